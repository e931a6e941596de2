"""One of each exercises record in an organization, for page, API and access-matrix tests:
an exercise (tabletop, with findings) with one open follow-up action, and the IR plan with an
approved version 1 and an open draft version 2 (with a change summary, so it can be approved).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from phiward.core.models import Organization
from phiward.exercises import plan, services
from phiward.exercises.models import Exercise, FollowUpAction, IRPlanVersion
from phiward.exercises.schedule import ExerciseKind


@dataclass(frozen=True)
class ExerciseSample:
    exercise: Exercise
    action: FollowUpAction
    approved: IRPlanVersion
    draft: IRPlanVersion


def build_exercises(org: Organization) -> ExerciseSample:
    exercise = services.record_exercise(
        org,
        services.ExerciseData(
            kind=ExerciseKind.TABLETOP,
            title="Ransomware tabletop",
            held_on=dt.date(2026, 1, 15),
            scenario="The EHR is encrypted on a Monday morning.",
            duration_minutes=120,
            external_participants=("Outside counsel",),
            metrics={"minutes_to_detect": 15, "minutes_to_decide": 90},
            findings="Nobody knew who calls the cyber insurer.",
        ),
        user=None,
    )
    action = services.add_action(
        exercise, "Add the insurer's hotline to the plan", owner=None, due_on=dt.date(2026, 3, 1)
    )
    first = plan.start_draft(org, user=None)
    approved = plan.approve(first, user=None, role=None, effective_on=dt.date(2026, 1, 1))
    draft = plan.open_revision(exercise, user=None)
    return ExerciseSample(exercise, action, approved, draft)
