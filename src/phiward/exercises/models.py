"""IR exercises (S31), their follow-up actions, major changes, and the versioned IR plan."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from phiward.core.models import OrgScopedModel
from phiward.crypto.fields import EncryptedTextField
from phiward.exercises.schedule import (
    INTERVAL_MONTHS,
    MAJOR_CHANGE_DAYS,
    ExerciseKind,
    Policy,
)

MAX_MINUTES = 60 * 24 * 366  # a measured duration longer than a year is a typo
METRICS = (
    ("minutes_to_detect", "Time to detect"),
    ("minutes_to_contain", "Time to contain"),
    ("minutes_to_decide", "Time to decide (breach determination)"),
    ("minutes_to_notify", "Time to notify"),
)


def _minutes(help_text: str) -> models.PositiveIntegerField[int | None, int | None]:
    return models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_MINUTES)], help_text=help_text
    )


class Exercise(OrgScopedModel):
    """One held (or planned, when dated in the future) incident-response exercise."""

    kind = models.CharField(
        max_length=20,
        choices=[(k.value, k.label) for k in ExerciseKind],
        default=ExerciseKind.TABLETOP,
    )
    title = models.CharField(max_length=200)
    scenario = EncryptedTextField(blank=True, help_text="What was simulated")
    held_on = models.DateField(default=timezone.localdate)
    duration_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_MINUTES)]
    )
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    external_participants = models.JSONField(
        default=list, blank=True, help_text="Names of people from outside phiward"
    )
    minutes_to_detect = _minutes("From the start of the scenario to its detection")
    minutes_to_contain = _minutes("From detection to containment")
    minutes_to_decide = _minutes("From detection to the breach determination")
    minutes_to_notify = _minutes("From the determination to the (simulated) notifications")
    findings = EncryptedTextField(blank=True, help_text="What went well and what did not")
    evidence = models.ForeignKey(
        "evidence.EvidenceItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["organization", "kind", "held_on"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"X-{self.pk:03d}" if self.pk else "X-new"

    @property
    def kind_enum(self) -> ExerciseKind:
        return ExerciseKind(self.kind)

    def is_held(self, today: dt.date | None = None) -> bool:
        return self.held_on <= (today or timezone.localdate())

    def metrics(self) -> list[tuple[str, int | None]]:
        return [(label, getattr(self, name)) for name, label in METRICS]


class FollowUpAction(OrgScopedModel):
    """Something an exercise showed must be fixed, with its owner and due date."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["exercise", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def done(self) -> bool:
        return self.done_on is not None

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.done_on is None and self.due_on is not None and self.due_on < today


class MajorChange(OrgScopedModel):
    """A major change to systems or organization: a full test becomes due (see schedule)."""

    changed_on = models.DateField(default=timezone.localdate)
    description = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-changed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.changed_on}: {self.description}"


class ExerciseIntervals(OrgScopedModel):
    """An organization's own exercise rhythm (one row, made on the first change).

    Without a row the S31 defaults apply; the values may be shorter, never longer (see
    ``schedule.policy_problems``).
    """

    tabletop_months = models.PositiveSmallIntegerField(
        default=INTERVAL_MONTHS[ExerciseKind.TABLETOP]
    )
    drill_months = models.PositiveSmallIntegerField(default=INTERVAL_MONTHS[ExerciseKind.DRILL])
    full_test_months = models.PositiveSmallIntegerField(
        default=INTERVAL_MONTHS[ExerciseKind.FULL_TEST]
    )
    major_change_days = models.PositiveSmallIntegerField(
        default=MAJOR_CHANGE_DAYS, help_text="A full test is due this many days after a change"
    )

    class Meta:
        verbose_name_plural = "exercise intervals"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="one_exercise_intervals_per_org")
        ]

    def __str__(self) -> str:
        return "Exercise intervals"

    def policy(self) -> Policy:
        return Policy(
            interval_months={
                ExerciseKind.TABLETOP: self.tabletop_months,
                ExerciseKind.DRILL: self.drill_months,
                ExerciseKind.FULL_TEST: self.full_test_months,
            },
            major_change_days=self.major_change_days,
        )


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"


def plan_digest(title: str, body: str) -> str:
    """SHA-256 over the version's title and body (UTF-8, title, a NUL, then the body)."""
    return hashlib.sha256(f"{title}\x00{body}".encode()).hexdigest()


class IRPlanVersion(OrgScopedModel):
    """One version of the incident-response plan; approved versions never change.

    The current plan is the approved version with the highest number. At most one draft is
    open at a time; it gets the next number when it is started.
    """

    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, help_text="Markdown or plain text")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    change_summary = models.TextField(blank=True)
    effective_on = models.DateField(null=True, blank=True)
    digest = models.CharField(max_length=64, blank=True, help_text="SHA-256 of title and body")
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_exercise = models.ForeignKey(
        Exercise,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_revisions",
        help_text="The exercise whose findings opened this revision",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = "IR plan version"
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="irplan_number_unique"),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status="draft"),
                name="irplan_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.title}"

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    def save(self, *args: object, **kwargs: object) -> None:
        self.digest = plan_digest(self.title, self.body)
        super().save(*args, **kwargs)
