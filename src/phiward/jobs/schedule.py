"""When a periodic job is due, and how long a worker may sleep. Pure: no Django.

A job is due when it is enabled (its interval is positive) and it has never started, or its last
start is at least one interval ago. Due-ness is computed from the last start stored in the
database, so a restarted worker neither re-runs everything nor forgets what is overdue.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from phiward.core.errors import InvalidInput

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_INTERVAL = dt.timedelta(days=366)


def parse_interval(value: str | int | dt.timedelta, name: str) -> dt.timedelta:
    """An interval setting: seconds, or a number with s, m, h or d (``90s``, ``15m``, ``1h``,
    ``1d``); 0 turns the job off. ``name`` is the setting, named in the error."""
    if isinstance(value, dt.timedelta):
        interval = value
    elif isinstance(value, int) and not isinstance(value, bool):
        interval = dt.timedelta(seconds=value)
    else:
        found = _INTERVAL.match(str(value))
        if found is None:
            raise InvalidInput(
                f"{name}: not an interval: {str(value)[:40]!r} "
                "(use seconds, or e.g. 90s, 15m, 1h, 1d; 0 turns it off)"
            )
        interval = dt.timedelta(seconds=int(found.group(1)) * _UNIT_SECONDS[found.group(2)])
    if interval < dt.timedelta(0):
        raise InvalidInput(f"{name}: an interval cannot be negative")
    if interval > MAX_INTERVAL:
        raise InvalidInput(f"{name}: an interval longer than {MAX_INTERVAL.days} days")
    return interval


def describe_interval(interval: dt.timedelta) -> str:
    """``1h``, ``15m``, ``90s``, ``2d``, or ``off``."""
    seconds = int(interval.total_seconds())
    if seconds <= 0:
        return "off"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class Slot:
    """What the schedule needs to know about one job."""

    interval: dt.timedelta
    last_started_at: dt.datetime | None
    running_since: dt.datetime | None  # a worker's claim
    timeout: dt.timedelta  # a claim older than this is abandoned (its worker died)

    @property
    def enabled(self) -> bool:
        return self.interval > dt.timedelta(0)

    def next_due(self, now: dt.datetime) -> dt.datetime | None:
        """When the job is due next (``now`` if overdue or never run); None if it is off."""
        if not self.enabled:
            return None
        if self.last_started_at is None:
            return now
        return max(self.last_started_at + self.interval, now)

    def is_due(self, now: dt.datetime) -> bool:
        due = self.next_due(now)
        return due is not None and due <= now

    def running(self, now: dt.datetime) -> bool:
        """Claimed by a worker whose claim has not expired."""
        return self.running_since is not None and self.running_since + self.timeout > now

    def next_chance(self, now: dt.datetime) -> dt.datetime | None:
        """The earliest time a worker could claim it: due, and not held by a live claim."""
        due = self.next_due(now)
        if due is None:
            return None
        if self.running(now):
            assert self.running_since is not None
            return max(due, self.running_since + self.timeout)
        return due


def sleep_seconds(
    slots: list[Slot], now: dt.datetime, *, minimum: float = 1.0, maximum: float = 300.0
) -> float:
    """How long a worker sleeps before it looks again: until the next chance to claim a job,
    at least ``minimum`` (no busy loop) and at most ``maximum`` (settings and clocks change)."""
    chances = [c for s in slots if (c := s.next_chance(now)) is not None]
    if not chances:
        return maximum
    wait = (min(chances) - now).total_seconds()
    return min(max(wait, minimum), maximum)
