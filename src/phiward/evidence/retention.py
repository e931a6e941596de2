"""How long evidence must be kept, and whether it counts today: pure date arithmetic.

45 CFR 164.316(b)(2)(i): documentation is retained "for 6 years from the date of its creation or
the date when it last was in effect, whichever is later". An item still in effect was last in
effect today, so its retention date moves forward every day until it stops being in effect
(it expires, is superseded, or someone records when it last was in effect).

A 6-year period that starts on 29 February ends on 1 March: the rule sets a minimum, so the
later of the two candidate days is the one that keeps documentation long enough.

No Django here; every function takes ``today`` from its caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

RETENTION_YEARS = 6
EXPIRING_DAYS = 30  # "expiring soon": expires within this many days


def add_years(start: dt.date, years: int) -> dt.date:
    """``start`` moved by whole years; 29 February lands on 1 March in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February into a year without one
        return dt.date(start.year + years, 3, 1)


@dataclass(frozen=True)
class Dates:
    """The dates of one evidence item that decide its retention and state."""

    created_on: dt.date
    effective_on: dt.date
    expires_on: dt.date | None = None
    last_in_effect_on: dt.date | None = None  # recorded when it stopped being in effect
    superseded_on: dt.date | None = None


def last_in_effect(dates: Dates, today: dt.date) -> dt.date:
    """The last day the item was (or, still in effect, is) in effect.

    A recorded date wins; otherwise the day before it was superseded, the day it expires, or
    today for an item still in effect — whichever comes first.
    """
    if dates.last_in_effect_on is not None:
        return dates.last_in_effect_on
    end = today
    if dates.superseded_on is not None:
        end = min(end, dates.superseded_on - dt.timedelta(days=1))
    if dates.expires_on is not None:
        end = min(end, dates.expires_on)
    return end


def retained_until(dates: Dates, today: dt.date) -> dt.date:
    """The last day the item must be kept: 6 years from creation or from when it was last in
    effect, whichever is later (164.316(b)(2)(i))."""
    return add_years(max(dates.created_on, last_in_effect(dates, today)), RETENTION_YEARS)


def within_retention(dates: Dates, today: dt.date) -> bool:
    """True while deleting the item would break the retention rule."""
    return today <= retained_until(dates, today)


class State(StrEnum):
    """Whether an item counts as evidence today."""

    CURRENT = "current"  # in effect and not expired
    EXPIRED = "expired"  # its expiry date has passed
    SUPERSEDED = "superseded"  # replaced by newer evidence (not a gap by itself)
    PENDING = "pending"  # its effective date is still ahead
    ENDED = "ended"  # a last-in-effect date in the past, not expired nor superseded

    @property
    def label(self) -> str:
        return self.value.capitalize()


def state(dates: Dates, today: dt.date) -> State:
    if dates.superseded_on is not None and dates.superseded_on <= today:
        return State.SUPERSEDED
    if dates.expires_on is not None and dates.expires_on < today:
        return State.EXPIRED
    if dates.last_in_effect_on is not None and dates.last_in_effect_on < today:
        return State.ENDED
    if dates.effective_on > today:
        return State.PENDING
    return State.CURRENT


def expiring_soon(dates: Dates, today: dt.date, days: int = EXPIRING_DAYS) -> bool:
    """Current, and expires within ``days`` days (today included)."""
    return (
        state(dates, today) is State.CURRENT
        and dates.expires_on is not None
        and dates.expires_on <= today + dt.timedelta(days=days)
    )
