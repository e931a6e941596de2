"""The exercise clock (pure): quarterly, semiannual and yearly boundaries, major changes,
never exercised. 45 CFR 164.308(a)(7)(ii)(D) asks for periodic testing; S31 sets the rhythm."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from phiward.exercises import schedule as module
from phiward.exercises.schedule import ExerciseKind, Policy, add_months, schedule

D = dt.date
K = ExerciseKind


def by_kind(last: dict[ExerciseKind, dt.date | None], today: dt.date, **kw: object) -> dict:
    return {d.kind: d for d in schedule(last, today, **kw)}  # type: ignore[arg-type]


def imported_modules(path: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_module_imports_no_django() -> None:
    assert not [m for m in imported_modules(module.__file__) if m.startswith(("django", "phiward"))]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 15), 3, D(2026, 4, 15)),
        (D(2026, 5, 31), 3, D(2026, 8, 31)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2027, 11, 30), 3, D(2028, 2, 29)),  # leap year
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2026, 12, 1), 1, D(2027, 1, 1)),
    ],
)
def test_add_months_clamps_to_the_month_end(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_never_exercised_is_due_now_not_overdue() -> None:
    today = D(2026, 6, 1)
    due = by_kind({}, today)
    assert set(due) == set(ExerciseKind)
    for d in due.values():
        assert (d.due_on, d.overdue, d.days_left, d.never) == (today, False, 0, True)
        assert "never" in d.reason


@pytest.mark.parametrize(
    ("kind", "last", "due_on"),
    [
        (K.TABLETOP, D(2026, 1, 15), D(2026, 4, 15)),
        (K.DRILL, D(2026, 1, 15), D(2026, 7, 15)),
        (K.FULL_TEST, D(2026, 1, 15), D(2027, 1, 15)),
    ],
)
def test_each_kind_is_due_after_its_interval_and_overdue_the_day_after(
    kind: ExerciseKind, last: dt.date, due_on: dt.date
) -> None:
    before = by_kind({kind: last}, due_on - dt.timedelta(days=1))[kind]
    on = by_kind({kind: last}, due_on)[kind]
    after = by_kind({kind: last}, due_on + dt.timedelta(days=1))[kind]
    assert (before.due_on, before.overdue, before.days_left) == (due_on, False, 1)
    assert (on.due_on, on.overdue, on.days_left) == (due_on, False, 0)
    assert (after.due_on, after.overdue, after.days_left, after.days_overdue) == (
        due_on,
        True,
        -1,
        1,
    )


def test_kinds_keep_their_own_clocks() -> None:
    """A full test does not reset the tabletop clock."""
    due = by_kind({K.FULL_TEST: D(2026, 5, 1), K.TABLETOP: D(2026, 1, 1)}, D(2026, 5, 2))
    assert due[K.TABLETOP].overdue and due[K.TABLETOP].due_on == D(2026, 4, 1)
    assert not due[K.FULL_TEST].overdue
    assert due[K.DRILL].never


def test_a_major_change_makes_a_full_test_due_within_90_days() -> None:
    last = {K.FULL_TEST: D(2026, 1, 10)}
    due = by_kind(last, D(2026, 3, 1), major_changes=[D(2026, 2, 1)])[K.FULL_TEST]
    assert due.due_on == D(2026, 5, 2)  # 1 February + 90 days, before 10 January 2027
    assert due.major_change_on == D(2026, 2, 1)
    assert "major change" in due.reason
    late = by_kind(last, D(2026, 5, 3), major_changes=[D(2026, 2, 1)])[K.FULL_TEST]
    assert late.overdue


def test_a_full_test_on_or_after_the_change_covers_it() -> None:
    for held in (D(2026, 2, 1), D(2026, 2, 20)):
        due = by_kind({K.FULL_TEST: held}, D(2026, 3, 1), major_changes=[D(2026, 2, 1)])
        assert due[K.FULL_TEST].due_on == add_months(held, 12)
        assert due[K.FULL_TEST].major_change_on is None


def test_the_earliest_uncovered_change_counts_and_other_kinds_ignore_changes() -> None:
    changes = [D(2026, 3, 1), D(2026, 2, 1), D(2025, 12, 1)]  # the last is covered
    due = by_kind(
        {K.FULL_TEST: D(2026, 1, 1), K.TABLETOP: D(2026, 1, 1)},
        D(2026, 3, 2),
        major_changes=changes,
    )
    assert due[K.FULL_TEST].due_on == D(2026, 5, 2)
    assert due[K.TABLETOP].due_on == D(2026, 4, 1)


def test_a_change_a_year_after_the_last_test_does_not_postpone_the_yearly_one() -> None:
    due = by_kind({K.FULL_TEST: D(2026, 1, 1)}, D(2026, 12, 1), major_changes=[D(2026, 11, 30)])
    assert due[K.FULL_TEST].due_on == D(2027, 1, 1)
    assert due[K.FULL_TEST].major_change_on is None


def test_never_fully_tested_with_an_old_change_is_overdue() -> None:
    due = by_kind({}, D(2026, 6, 1), major_changes=[D(2026, 1, 1)])[K.FULL_TEST]
    assert due.due_on == D(2026, 4, 1) and due.overdue


def test_a_policy_changes_the_intervals() -> None:
    policy = Policy(
        interval_months={K.TABLETOP: 1, K.DRILL: 2, K.FULL_TEST: 6}, major_change_days=30
    )
    due = by_kind({K.TABLETOP: D(2026, 1, 31)}, D(2026, 2, 1), policy=policy)
    assert due[K.TABLETOP].due_on == D(2026, 2, 28)


def test_held_dates_after_today_are_refused() -> None:
    with pytest.raises(ValueError, match="after today"):
        schedule({K.DRILL: D(2026, 2, 2)}, D(2026, 2, 1))


def test_to_dict() -> None:
    (first, *_rest) = schedule({K.TABLETOP: D(2026, 1, 15)}, D(2026, 2, 1))
    assert first.to_dict() == {
        "kind": "tabletop",
        "label": "Tabletop exercise",
        "last_on": "2026-01-15",
        "due_on": "2026-04-15",
        "overdue": False,
        "days_left": 73,
        "reason": "3 months after 2026-01-15",
        "major_change_on": None,
    }
