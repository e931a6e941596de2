"""Recording exercises, their follow-up actions and major changes; what is due per kind.

Every write of the exercises app goes through here (the web, the API and the CLI call these);
problems are ``InputProblems`` naming the field, never a half-saved record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from phiward.core.errors import InputProblems, Problem
from phiward.core.models import Organization
from phiward.evidence.models import EvidenceItem
from phiward.exercises.intervals import policy_for
from phiward.exercises.models import MAX_MINUTES, METRICS, Exercise, FollowUpAction, MajorChange
from phiward.exercises.schedule import DueExercise, ExerciseKind, schedule

MAX_EXTERNAL = 50


@dataclass(frozen=True)
class ExerciseData:
    """An exercise as a form, the API or the CLI gives it."""

    kind: ExerciseKind
    title: str
    held_on: dt.date
    scenario: str = ""
    duration_minutes: int | None = None
    participants: Sequence[User] = ()
    external_participants: Sequence[str] = ()
    metrics: dict[str, int | None] = field(default_factory=dict)  # METRICS names -> minutes
    findings: str = ""
    evidence: EvidenceItem | None = None


def _is_member(org: Organization, user: User) -> bool:
    return user.memberships.filter(organization=org).exists()


def _check(org: Organization, data: ExerciseData) -> list[Problem]:
    problems = []
    if not data.title.strip():
        problems.append(Problem("Give the exercise a title.", field="title"))
    if len(data.title) > 200:
        problems.append(Problem("At most 200 characters.", field="title"))
    for name, value in [("duration_minutes", data.duration_minutes), *data.metrics.items()]:
        if name != "duration_minutes" and name not in dict(METRICS):
            problems.append(Problem("Not a measured metric.", field=name))
        elif value is not None and not 0 <= value <= MAX_MINUTES:
            problems.append(Problem(f"Minutes between 0 and {MAX_MINUTES}.", field=name))
    if any(not _is_member(org, user) for user in data.participants):
        problems.append(Problem("Participants must be members here.", field="participants"))
    names = [n.strip() for n in data.external_participants]
    if any(not n or len(n) > 200 for n in names) or len(names) > MAX_EXTERNAL:
        problems.append(
            Problem(
                f"Up to {MAX_EXTERNAL} names of 1 to 200 characters.",
                field="external_participants",
            )
        )
    if data.evidence is not None and data.evidence.organization_id != org.pk:
        problems.append(Problem("Choose this organization's evidence.", field="evidence"))
    return problems


def _apply(exercise: Exercise, data: ExerciseData) -> None:
    exercise.kind = data.kind.value
    exercise.title = data.title.strip()
    exercise.held_on = data.held_on
    exercise.scenario = data.scenario
    exercise.duration_minutes = data.duration_minutes
    exercise.external_participants = [n.strip() for n in data.external_participants]
    for name, _label in METRICS:
        setattr(exercise, name, data.metrics.get(name))
    exercise.findings = data.findings
    exercise.evidence = data.evidence


def record_exercise(org: Organization, data: ExerciseData, *, user: User | None) -> Exercise:
    problems = _check(org, data)
    if problems:
        raise InputProblems(problems)
    exercise = Exercise(organization=org, recorded_by=user)
    _apply(exercise, data)
    with transaction.atomic():
        exercise.save()
        exercise.participants.set(data.participants)
    return exercise


def update_exercise(exercise: Exercise, data: ExerciseData) -> Exercise:
    problems = _check(exercise.organization, data)
    if problems:
        raise InputProblems(problems)
    _apply(exercise, data)
    with transaction.atomic():
        exercise.save()
        exercise.participants.set(data.participants)
    return exercise


def add_action(
    exercise: Exercise, title: str, *, owner: User | None, due_on: dt.date | None
) -> FollowUpAction:
    problems = []
    if not title.strip() or len(title) > 300:
        problems.append(Problem("Say what must be done (up to 300 characters).", field="title"))
    if owner is not None and not _is_member(exercise.organization, owner):
        problems.append(Problem("The owner must be a member here.", field="owner"))
    if problems:
        raise InputProblems(problems)
    return FollowUpAction.objects.create(
        organization=exercise.organization,
        exercise=exercise,
        title=title.strip(),
        owner=owner,
        due_on=due_on,
    )


def set_action_done(action: FollowUpAction, done_on: dt.date | None) -> FollowUpAction:
    """Mark done on ``done_on`` (None: open again)."""
    action.done_on = done_on
    action.save()
    return action


def record_major_change(
    org: Organization, description: str, *, changed_on: dt.date, user: User | None
) -> MajorChange:
    if not description.strip() or len(description) > 300:
        raise InputProblems(
            [Problem("Describe the change (up to 300 characters).", field="description")]
        )
    return MajorChange.objects.create(
        organization=org, description=description.strip(), changed_on=changed_on, recorded_by=user
    )


def last_held(org: Organization, today: dt.date) -> dict[ExerciseKind, dt.date | None]:
    rows = (
        Exercise.objects.for_org(org)
        .filter(held_on__lte=today)
        .values("kind")
        .annotate(last=Max("held_on"))
    )
    found: dict[ExerciseKind, dt.date | None] = dict.fromkeys(ExerciseKind)
    for row in rows:
        found[ExerciseKind(row["kind"])] = row["last"]
    return found


def due_for(org: Organization, today: dt.date | None = None) -> tuple[DueExercise, ...]:
    """The schedule of every kind for ``org`` today (held exercises, major changes and the
    organization's intervals)."""
    today = today or timezone.localdate()
    changes = MajorChange.objects.for_org(org).filter(changed_on__lte=today)
    return schedule(
        last_held(org, today),
        today,
        major_changes=changes.values_list("changed_on", flat=True),
        policy=policy_for(org),
    )
