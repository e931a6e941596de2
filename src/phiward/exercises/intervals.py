"""An organization's exercise intervals: read (defaults without a row) and change.

The S31 rhythm (quarterly tabletops, semiannual drills, a yearly full test, a full test
within 90 days of a major change) is a maximum: a stricter organization may shorten each
interval, never lengthen it. Problems are ``InputProblems`` naming the field.
"""

from __future__ import annotations

from phiward.core.errors import InputProblems, Problem
from phiward.core.models import Organization
from phiward.exercises.models import ExerciseIntervals
from phiward.exercises.schedule import ExerciseKind, Policy, interval_field, policy_problems

FIELDS = (*(interval_field(k) for k in ExerciseKind), "major_change_days")


def intervals_for(org: Organization) -> ExerciseIntervals:
    """The organization's row, or an unsaved one holding the defaults."""
    return ExerciseIntervals.objects.for_org(org).first() or ExerciseIntervals(organization=org)


def policy_for(org: Organization) -> Policy:
    return intervals_for(org).policy()


def as_dict(row: ExerciseIntervals) -> dict[str, int]:
    return {name: int(getattr(row, name)) for name in FIELDS}


def update_intervals(
    org: Organization,
    *,
    tabletop_months: int | None = None,
    drill_months: int | None = None,
    full_test_months: int | None = None,
    major_change_days: int | None = None,
) -> ExerciseIntervals:
    """Replace the values given (None: keep); saves only when every value is acceptable.

    The audit log names who changed the row.
    """
    row = intervals_for(org)
    given = {
        "tabletop_months": tabletop_months,
        "drill_months": drill_months,
        "full_test_months": full_test_months,
        "major_change_days": major_change_days,
    }
    for name, value in given.items():
        if value is not None:
            setattr(row, name, value)
    problems = policy_problems(row.policy())
    if problems:
        raise InputProblems([Problem(message, field=name) for name, message in problems])
    row.save()
    return row
