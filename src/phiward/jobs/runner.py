"""Claiming and running jobs, and reading the schedule (the Django side of ``schedule``).

Every run, scheduled or on demand, first claims the job's row (``models`` explains how), then
runs the function as the job's own system actor, then records the outcome against its claim.
A job that raises is recorded as failed with its error type — and a domain error's message,
which never carries field values (``phiward.core.errors``) — and the next job still runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from phiward.audit.context import Actor, acting_as
from phiward.core.errors import PhiwardError
from phiward.core.logredact import redacted_traceback
from phiward.jobs.models import JobState, Outcome
from phiward.jobs.registry import SUMMARY_LENGTH, Job, Registry
from phiward.jobs.schedule import Slot

logger = logging.getLogger("phiward.jobs")


class JobBusy(PhiwardError):
    """Another worker holds the job's claim."""

    exit_code = 8


@dataclass(frozen=True)
class RunOutcome:
    name: str
    ok: bool
    text: str  # the job's summary, or what went wrong
    started_at: dt.datetime
    seconds: float


@dataclass(frozen=True)
class JobStatus:
    job: Job
    interval: dt.timedelta
    last_started_at: dt.datetime | None
    last_finished_at: dt.datetime | None
    last_outcome: str
    last_result: str
    last_error: str
    running_since: dt.datetime | None
    running_on: str
    next_due_at: dt.datetime | None


def job_actor(job: Job) -> Actor:
    """Who the audit log names for a scheduled run: the job itself, a system action."""
    return Actor(None, f"job:{job.name}", "system")


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def describe_error(exc: BaseException) -> str:
    """The error type, plus the message of phiward's domain errors (written without PHI)."""
    kind = type(exc).__name__
    if isinstance(exc, PhiwardError) and str(exc):
        return f"{kind}: {exc}"[:SUMMARY_LENGTH]
    return kind


def check_intervals(registry: Registry) -> None:
    """Read every job's interval now: a bad setting stops a worker at start, by name."""
    for job in registry:
        job.current_interval()


def ensure_states(registry: Registry) -> None:
    """A state row for every registered job (concurrent workers may race; both are fine)."""
    names = [job.name for job in registry]
    existing = set(JobState.objects.filter(name__in=names).values_list("name", flat=True))
    missing = [JobState(name=name) for name in names if name not in existing]
    if missing:
        JobState.objects.bulk_create(missing, ignore_conflicts=True)


def claim(job: Job, now: dt.datetime, *, only_if_due: bool) -> str | None:
    """Take the job's claim; its token, or None when another worker holds it (or, with
    ``only_if_due``, when it is not due or is off). One conditional UPDATE: atomic everywhere."""
    free = Q(running_since__isnull=True) | Q(running_since__lte=now - job.timeout)
    rows = JobState.objects.filter(free, name=job.name)
    if only_if_due:
        interval = job.current_interval()
        if interval <= dt.timedelta(0):
            return None
        rows = rows.filter(Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - interval))
    token = uuid.uuid4().hex
    taken = rows.update(running_since=now, running_on=worker_id(), claim=token, last_started_at=now)
    return token if taken == 1 else None


def _finish(job: Job, token: str, ok: bool, text: str) -> None:
    released = JobState.objects.filter(name=job.name, claim=token).update(
        running_since=None,
        running_on="",
        claim="",
        last_finished_at=timezone.now(),
        last_outcome=Outcome.OK if ok else Outcome.FAILED,
        last_result=text[:SUMMARY_LENGTH] if ok else "",
        last_error="" if ok else text[:SUMMARY_LENGTH],
    )
    if not released:
        logger.warning(
            "job %s ran past its %s timeout and another worker took it over",
            job.name,
            job.timeout,
        )


def run_claimed(job: Job, token: str, now: dt.datetime, actor: Actor | None) -> RunOutcome:
    """Run a job whose claim is held; record the outcome. Interrupts are recorded, then raised."""
    started = time.monotonic()
    try:
        with acting_as(actor or job_actor(job)):
            summary = job.function(now)
    except Exception as exc:  # recorded, logged by type; the next job still runs
        text = describe_error(exc)
        logger.error("job %s failed: %s\n%s", job.name, text, redacted_traceback(exc))
        _finish(job, token, False, text)
        return RunOutcome(job.name, False, text, now, time.monotonic() - started)
    except BaseException:
        _finish(job, token, False, "interrupted")
        raise
    summary = str(summary).strip()[:SUMMARY_LENGTH] or "done"
    _finish(job, token, True, summary)
    seconds = time.monotonic() - started
    logger.info("job %s finished in %.2f s: %s", job.name, seconds, summary)
    return RunOutcome(job.name, True, summary, now, seconds)


def run_due(
    registry: Registry,
    *,
    now: dt.datetime | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[RunOutcome]:
    """Run every job that is due and not claimed elsewhere, one after another.

    ``now`` fixes the clock (tests); otherwise each job gets the time it was claimed.
    """
    ensure_states(registry)
    outcomes = []
    for job in registry:
        if should_stop():
            break
        moment = now or timezone.now()
        token = claim(job, moment, only_if_due=True)
        if token is not None:
            outcomes.append(run_claimed(job, token, moment, None))
    return outcomes


def run_now(
    registry: Registry, name: str, *, actor: Actor | None, now: dt.datetime | None = None
) -> RunOutcome:
    """Run one job now, due or not (``phiward jobs run``); refused while a worker runs it."""
    job = registry.get(name)
    ensure_states(registry)
    moment = now or timezone.now()
    token = claim(job, moment, only_if_due=False)
    if token is None:
        state = JobState.objects.get(name=job.name)
        since = state.running_since
        when = f" since {since:%Y-%m-%d %H:%M:%S} UTC" if since else ""
        raise JobBusy(
            f"job {job.name} is running on {state.running_on or 'another worker'}{when}; "
            "try again when it has finished"
        )
    return run_claimed(job, token, moment, actor)


def _slot(job: Job, state: JobState | None) -> Slot:
    return Slot(
        interval=job.current_interval(),
        last_started_at=state.last_started_at if state else None,
        running_since=state.running_since if state else None,
        timeout=job.timeout,
    )


def slots(registry: Registry) -> list[Slot]:
    states = {s.name: s for s in JobState.objects.filter(name__in=[j.name for j in registry])}
    return [_slot(job, states.get(job.name)) for job in registry]


def status(registry: Registry, now: dt.datetime | None = None) -> list[JobStatus]:
    """Each registered job with its interval, last run, outcome and next due time."""
    moment = now or timezone.now()
    states = {s.name: s for s in JobState.objects.filter(name__in=[j.name for j in registry])}
    found = []
    for job in registry:
        state = states.get(job.name)
        slot = _slot(job, state)
        running = slot.running(moment)
        found.append(
            JobStatus(
                job=job,
                interval=slot.interval,
                last_started_at=slot.last_started_at,
                last_finished_at=state.last_finished_at if state else None,
                last_outcome=state.last_outcome if state else "",
                last_result=state.last_result if state else "",
                last_error=state.last_error if state else "",
                running_since=slot.running_since if running else None,
                running_on=state.running_on if state and running else "",
                next_due_at=slot.next_due(moment),
            )
        )
    return found
