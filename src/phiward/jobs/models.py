"""The schedule's state: one row per job, shared by every worker on the database.

A worker runs a job only after it *claims* the row: one conditional ``UPDATE`` that succeeds
only while no live claim holds it (and, for scheduled runs, while the job is due). On
PostgreSQL the second of two concurrent claims waits for the first's row lock, re-reads the row
and finds it taken; on SQLite writers are serialized. The claim, with the last start, finish,
outcome and summary, is what lets restarts resume the schedule instead of re-running it.
"""

from __future__ import annotations

from django.db import models


class Outcome(models.TextChoices):
    OK = "ok", "OK"
    FAILED = "failed", "Failed"


class JobState(models.Model):
    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    last_result = models.CharField(max_length=500, blank=True, help_text="The job's summary.")
    last_error = models.CharField(
        max_length=500, blank=True, help_text="Error type, and a domain error's message."
    )
    running_since = models.DateTimeField(null=True, blank=True, help_text="The current claim.")
    running_on = models.CharField(max_length=200, blank=True, help_text="host:pid of the claim")
    claim = models.CharField(max_length=32, blank=True, help_text="Token of the current claim.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"job {self.name}"
