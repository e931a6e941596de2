"""When each kind of incident-response exercise is due: pure date arithmetic, no Django.

Requirement S31. Defaults:

- tabletop exercise: quarterly — due 3 calendar months after the last one;
- technical drill: semiannual — due 6 months after the last one;
- full test: at least yearly — due 12 months after the last one, and after a major change:
  a recorded major change (new EHR, new data centre, merger, new IR team) makes a full test
  due within ``MAJOR_CHANGE_DAYS`` (90) days of the change, unless a full test was held on or
  after the change date. The earlier of the two dates counts.

A kind never exercised is due now (due today, not yet overdue); a major change may make it
overdue. Months are calendar months; a day that does not exist in the target month moves to
that month's last day (31 May + 3 months = 31 August; 30 November + 3 months = 28 or 29
February). Each kind keeps its own clock: a full test does not reset the tabletop clock
(they exercise different things — decisions versus systems).

Exercises dated after ``today`` are planned, not held; callers pass only held ones.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class ExerciseKind(StrEnum):
    TABLETOP = "tabletop"
    DRILL = "drill"
    FULL_TEST = "full_test"

    @property
    def label(self) -> str:
        return {
            ExerciseKind.TABLETOP: "Tabletop exercise",
            ExerciseKind.DRILL: "Technical drill",
            ExerciseKind.FULL_TEST: "Full test",
        }[self]


# Months between exercises of each kind.
INTERVAL_MONTHS: Mapping[ExerciseKind, int] = {
    ExerciseKind.TABLETOP: 3,
    ExerciseKind.DRILL: 6,
    ExerciseKind.FULL_TEST: 12,
}
MAJOR_CHANGE_DAYS = 90  # a full test is due this many days after a major change
# The S31 rhythm is a maximum: an organization may choose shorter intervals, never longer.
MAX_INTERVAL_MONTHS: Mapping[ExerciseKind, int] = INTERVAL_MONTHS
MAX_MAJOR_CHANGE_DAYS = MAJOR_CHANGE_DAYS
CONTINGENCY_PLAN = "45 CFR 164.308(a)(7)(ii)(D)"  # testing and revision procedures
INCIDENT_PROCEDURES = "45 CFR 164.308(a)(6)"


def add_months(start: date, months: int) -> date:
    """``start`` plus calendar months, clamped to the end of the target month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Policy:
    """How often each kind is due; the defaults above unless an organization chooses others."""

    interval_months: Mapping[ExerciseKind, int] = field(
        default_factory=lambda: dict(INTERVAL_MONTHS)
    )
    major_change_days: int = MAJOR_CHANGE_DAYS


def interval_field(kind: ExerciseKind) -> str:
    """The name of the setting that holds ``kind``'s interval (``tabletop_months`` …)."""
    return f"{kind.value}_months"


def policy_problems(policy: Policy) -> list[tuple[str, str]]:
    """(field, message) for each interval outside 1 … the maximum; empty when acceptable."""
    problems = []
    for kind in ExerciseKind:
        months, most = policy.interval_months.get(kind), MAX_INTERVAL_MONTHS[kind]
        if months is None or not 1 <= months <= most:
            problems.append(
                (
                    interval_field(kind),
                    f"{kind.label}: between 1 and {most} months; S31 asks for at least every "
                    f"{most} months, so a stricter interval is fine but a longer one is not.",
                )
            )
    if not 1 <= policy.major_change_days <= MAX_MAJOR_CHANGE_DAYS:
        problems.append(
            (
                "major_change_days",
                f"Full test after a major change: between 1 and {MAX_MAJOR_CHANGE_DAYS} days; "
                "a shorter window is fine, a longer one is not.",
            )
        )
    return problems


@dataclass(frozen=True)
class DueExercise:
    """What the schedule says about one kind of exercise today."""

    kind: ExerciseKind
    last_on: date | None  # the last held exercise of this kind
    due_on: date
    overdue: bool
    days_left: int  # negative when overdue
    reason: str  # "never exercised", "3 months after 2026-01-15", "90 days after major change"
    major_change_on: date | None = None  # the change that set the date, if one did

    @property
    def never(self) -> bool:
        return self.last_on is None

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "label": self.kind.label,
            "last_on": self.last_on.isoformat() if self.last_on else None,
            "due_on": self.due_on.isoformat(),
            "overdue": self.overdue,
            "days_left": self.days_left,
            "reason": self.reason,
            "major_change_on": self.major_change_on.isoformat() if self.major_change_on else None,
        }


def _due(
    kind: ExerciseKind,
    last_on: date | None,
    today: date,
    policy: Policy,
    major_changes: Iterable[date],
) -> DueExercise:
    months = policy.interval_months[kind]
    if last_on is None:
        due_on, reason = today, "never exercised: due now"
    else:
        due_on = add_months(last_on, months)
        reason = f"{months} months after {last_on.isoformat()}"
    change_on: date | None = None
    if kind is ExerciseKind.FULL_TEST:
        # Changes not yet covered by a full test held on or after them.
        pending = sorted(c for c in major_changes if last_on is None or c > last_on)
        if pending:
            by_change = pending[0] + timedelta(days=policy.major_change_days)
            if by_change < due_on:
                due_on, change_on = by_change, pending[0]
                reason = (
                    f"{policy.major_change_days} days after the major change of "
                    f"{pending[0].isoformat()}"
                )
    left = (due_on - today).days
    return DueExercise(kind, last_on, due_on, left < 0, left, reason, change_on)


def schedule(
    last_held: Mapping[ExerciseKind, date | None],
    today: date,
    *,
    major_changes: Iterable[date] = (),
    policy: Policy | None = None,
) -> tuple[DueExercise, ...]:
    """One ``DueExercise`` per kind, in ``ExerciseKind`` order.

    ``last_held`` maps a kind to the date of its last held exercise (missing or None: never).
    Dates after ``today`` in ``last_held`` are an error of the caller (planned, not held).
    """
    chosen = policy or Policy()
    changes = tuple(major_changes)
    result = []
    for kind in ExerciseKind:
        last_on = last_held.get(kind)
        if last_on is not None and last_on > today:
            raise ValueError(f"the last {kind.value} is dated after today; pass held ones only")
        result.append(_due(kind, last_on, today, chosen, changes))
    return tuple(result)
