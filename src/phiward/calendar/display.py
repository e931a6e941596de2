"""How deadlines are shown on pages: an urgency label and the badge class for its colour."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from phiward.calendar.deadlines import Deadline, Urgency, urgency

LABELS = {
    Urgency.OVERDUE: "Overdue",
    Urgency.TODAY: "Due today",
    Urgency.DAY: "Within 1 day",
    Urgency.WEEK: "Within 7 days",
    Urgency.FORTNIGHT: "Within 14 days",
    Urgency.MONTH: "Within 30 days",
    Urgency.LATER: "Later",
    Urgency.DONE: "Done",
}
# The stylesheet's badge classes: red for overdue, today and the last week, amber for 14/30.
CLASSES = {
    Urgency.OVERDUE: "bad",
    Urgency.TODAY: "bad",
    Urgency.DAY: "bad",
    Urgency.WEEK: "bad",
    Urgency.FORTNIGHT: "warn",
    Urgency.MONTH: "warn",
    Urgency.LATER: "",
    Urgency.DONE: "good",
}


@dataclass(frozen=True)
class Entry:
    deadline: Deadline
    urgency: Urgency
    days_left: int

    @property
    def label(self) -> str:
        if self.urgency is Urgency.OVERDUE:
            days = -self.days_left
            return f"Overdue {days} day{'s' if days != 1 else ''}"
        return LABELS[self.urgency]

    @property
    def css(self) -> str:
        return CLASSES[self.urgency]


def entry(deadline: Deadline, today: date) -> Entry:
    return Entry(deadline, urgency(deadline, today), deadline.days_left(today))


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    is_today: bool
    entries: tuple[Entry, ...]


def month_grid(year: int, month: int, deadlines: list[Deadline], today: date) -> list[list[Day]]:
    """Weeks (Monday first) of the month, each day with its deadlines."""
    by_day: dict[date, list[Entry]] = {}
    for deadline in deadlines:
        by_day.setdefault(deadline.due_on, []).append(entry(deadline, today))
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [
        [Day(d, d.month == month, d == today, tuple(by_day.get(d, ()))) for d in week]
        for week in weeks
    ]


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day the month's grid shows (whole weeks)."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return weeks[0][0], weeks[-1][-1]


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def parse_month(text: str, today: date) -> tuple[int, int]:
    """``YYYY-MM`` (years 1900-2999), else today's month."""
    year, _, month = text.partition("-")
    if len(year) == 4 and year.isdecimal() and month.isdecimal() and len(month) <= 2:
        y, m = int(year), int(month)
        if 1900 <= y <= 2999 and 1 <= m <= 12:
            return y, m
    return today.year, today.month
