"""Warning levels at 30, 14, 7 and 1 days, urgency and ordering (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from phiward.calendar import Deadline, Urgency, urgency, warning_level
from phiward.calendar.deadlines import dashboard_order
from phiward.core.permissions import Area

TODAY = dt.date(2026, 3, 10)


def deadline(days: int, done: bool = False, title: str = "Do it") -> Deadline:
    return Deadline(
        organization_id=1,
        due_on=TODAY + dt.timedelta(days=days),
        title=title,
        area=Area.RISK,
        url="/o/a/risk/",
        done=done,
    )


@pytest.mark.parametrize(
    ("days", "level"),
    [
        (365, None),
        (31, None),
        (30, 30),
        (15, 30),
        (14, 14),
        (8, 14),
        (7, 7),
        (2, 7),
        (1, 1),
        (0, 0),
        (-1, 0),
        (-400, 0),
    ],
)
def test_warning_level(days: int, level: int | None) -> None:
    assert warning_level(TODAY + dt.timedelta(days=days), TODAY) == level
    assert deadline(days).warning(TODAY) == level


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (31, Urgency.LATER),
        (30, Urgency.MONTH),
        (14, Urgency.FORTNIGHT),
        (7, Urgency.WEEK),
        (1, Urgency.DAY),
        (0, Urgency.TODAY),
        (-1, Urgency.OVERDUE),
    ],
)
def test_urgency(days: int, expected: Urgency) -> None:
    assert urgency(deadline(days), TODAY) is expected


def test_done_deadlines_have_no_warning_and_are_never_overdue() -> None:
    done = deadline(-5, done=True)
    assert done.warning(TODAY) is None
    assert not done.is_overdue(TODAY)
    assert urgency(done, TODAY) is Urgency.DONE


def test_dashboard_order_overdue_first_then_by_date_without_done() -> None:
    items = [
        deadline(3, title="soon"),
        deadline(-1, title="yesterday"),
        deadline(-9, title="long overdue"),
        deadline(0, title="today"),
        deadline(-20, done=True, title="done"),
    ]
    assert [d.title for d in dashboard_order(items, TODAY)] == [
        "long overdue",
        "yesterday",
        "today",
        "soon",
    ]


def test_to_dict() -> None:
    assert deadline(-2).to_dict(TODAY) == {
        "due_on": "2026-03-08",
        "title": "Do it",
        "kind": "",
        "key": "",
        "area": "risk",
        "url": "/o/a/risk/",
        "citation": "",
        "detail": "",
        "done": False,
        "days_left": -2,
        "overdue": True,
        "warning": 0,
    }
