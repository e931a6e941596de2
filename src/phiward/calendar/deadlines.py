"""Deadlines and their warning levels: pure values, no Django.

A deadline is anything the program must do by a date — notify individuals of a breach, run a
tabletop exercise, finish a risk treatment. Every app that has such dates contributes them
through a provider (see ``phiward.calendar.registry``); the calendar, the dashboard card, the
iCalendar feed, the API and the CLI all show the same ``Deadline`` values.

Warnings come at 30, 14, 7 and 1 days before the due date: ``warning_level`` answers the
tightest threshold the date has crossed, and 0 on the due date and after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from phiward.core.permissions import Area

# The warning thresholds in days before the due date, widest first.
WARNING_DAYS: tuple[int, ...] = (30, 14, 7, 1)


@dataclass(frozen=True)
class Deadline:
    """One dated obligation of an organization's program."""

    organization_id: int
    due_on: date
    title: str
    area: Area  # who may see it: the viewer's role needs read in this area
    url: str  # where to act (a web path)
    citation: str = ""
    kind: str = ""  # "breach-obligation", "exercise", "treatment", "acceptance", "evidence"
    done: bool = False
    # Stable within ``kind`` for the same obligation even when its date moves (a record's
    # uid, "<incident uid>:individuals"); it makes the iCalendar UID stable.
    key: str = ""
    detail: str = ""  # one plain sentence; never PHI

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days

    def is_overdue(self, today: date) -> bool:
        return not self.done and self.due_on < today

    def warning(self, today: date) -> int | None:
        """The warning level, or None when done or further away than 30 days."""
        return None if self.done else warning_level(self.due_on, today)

    def to_dict(self, today: date | None = None) -> dict[str, object]:
        data: dict[str, object] = {
            "due_on": self.due_on.isoformat(),
            "title": self.title,
            "kind": self.kind,
            "key": self.key,
            "area": self.area.value,
            "url": self.url,
            "citation": self.citation,
            "detail": self.detail,
            "done": self.done,
        }
        if today is not None:
            data["days_left"] = self.days_left(today)
            data["overdue"] = self.is_overdue(today)
            data["warning"] = self.warning(today)
        return data


class Urgency(StrEnum):
    """How a deadline is shown: the colour band of its warning level."""

    OVERDUE = "overdue"
    TODAY = "today"
    DAY = "1"
    WEEK = "7"
    FORTNIGHT = "14"
    MONTH = "30"
    LATER = "later"
    DONE = "done"


def warning_level(due_on: date, today: date) -> int | None:
    """30, 14, 7 or 1 once that many days or fewer remain; 0 on the due date or after it.

    None while more than 30 days remain. 31 days -> None, 30..15 -> 30, 14..8 -> 14,
    7..2 -> 7, 1 -> 1, 0 and below -> 0.
    """
    left = (due_on - today).days
    if left <= 0:
        return 0
    level: int | None = None
    for threshold in WARNING_DAYS:
        if left <= threshold:
            level = threshold
    return level


def urgency(deadline: Deadline, today: date) -> Urgency:
    if deadline.done:
        return Urgency.DONE
    left = deadline.days_left(today)
    if left < 0:
        return Urgency.OVERDUE
    if left == 0:
        return Urgency.TODAY
    level = warning_level(deadline.due_on, today)
    return Urgency.LATER if level is None else Urgency(str(level))


def sort_key(deadline: Deadline) -> tuple[date, str, str, str]:
    return (deadline.due_on, deadline.kind, deadline.title, deadline.key)


def dashboard_order(deadlines: list[Deadline], today: date) -> list[Deadline]:
    """Open deadlines, overdue first (oldest first), then by due date."""
    open_ = [d for d in deadlines if not d.done]
    return sorted(open_, key=lambda d: (not d.is_overdue(today), *sort_key(d)))
