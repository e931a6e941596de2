"""The schedule engine: interval settings, due times, claims that expire, how long to sleep."""

from __future__ import annotations

import datetime as dt

import pytest

from phiward.core.errors import InvalidInput
from phiward.jobs.schedule import Slot, describe_interval, parse_interval, sleep_seconds

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3600", 3600), ("90s", 90), ("15m", 900), ("1h", 3600), (" 2d ", 172800), ("0", 0)],
)
def test_interval_settings(text: str, seconds: int) -> None:
    assert parse_interval(text, "X").total_seconds() == seconds


def test_interval_values_that_are_already_typed() -> None:
    assert parse_interval(120, "X") == dt.timedelta(minutes=2)
    assert parse_interval(HOUR, "X") == HOUR


@pytest.mark.parametrize("text", ["", "1 hour", "1.5h", "h", "-5", "1w", "ten"])
def test_a_bad_interval_names_the_setting(text: str) -> None:
    with pytest.raises(InvalidInput, match="PHIWARD_SOMETHING_INTERVAL"):
        parse_interval(text, "PHIWARD_SOMETHING_INTERVAL")


def test_negative_and_absurd_intervals_are_refused() -> None:
    with pytest.raises(InvalidInput, match="negative"):
        parse_interval(dt.timedelta(seconds=-1), "X")
    with pytest.raises(InvalidInput, match="longer than"):
        parse_interval("400d", "X")


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "off"), (45, "45s"), (90, "90s"), (900, "15m"), (7200, "2h")]
)
def test_intervals_are_described_briefly(seconds: int, text: str) -> None:
    assert describe_interval(dt.timedelta(seconds=seconds)) == text
    assert describe_interval(dt.timedelta(days=3)) == "3d"


def slot(
    last: dt.datetime | None = None,
    running: dt.datetime | None = None,
    interval: dt.timedelta = HOUR,
) -> Slot:
    return Slot(interval, last, running, timeout=dt.timedelta(minutes=30))


def test_a_job_never_run_is_due_now() -> None:
    assert slot().next_due(NOW) == NOW
    assert slot().is_due(NOW)


def test_a_job_is_due_one_interval_after_its_last_start() -> None:
    ran = slot(last=NOW - dt.timedelta(minutes=20))
    assert ran.next_due(NOW) == NOW + dt.timedelta(minutes=40)
    assert not ran.is_due(NOW)
    assert ran.is_due(NOW + dt.timedelta(minutes=40))
    overdue = slot(last=NOW - dt.timedelta(days=3))  # e.g. the worker was down
    assert overdue.next_due(NOW) == NOW  # once, not once per missed interval


def test_a_job_with_interval_zero_is_off() -> None:
    off = slot(interval=dt.timedelta(0))
    assert not off.enabled
    assert off.next_due(NOW) is None
    assert not off.is_due(NOW)
    assert off.next_chance(NOW) is None


def test_a_claim_holds_until_its_timeout() -> None:
    held = slot(last=NOW - dt.timedelta(hours=5), running=NOW - dt.timedelta(minutes=10))
    assert held.running(NOW)
    assert held.next_chance(NOW) == NOW + dt.timedelta(minutes=20)  # when the claim expires
    abandoned = slot(last=NOW - dt.timedelta(hours=5), running=NOW - dt.timedelta(hours=2))
    assert not abandoned.running(NOW)
    assert abandoned.next_chance(NOW) == NOW


def test_sleep_until_the_next_chance_within_bounds() -> None:
    soon = slot(last=NOW - dt.timedelta(minutes=58))
    later = slot(last=NOW - dt.timedelta(minutes=30))
    assert sleep_seconds([later, soon], NOW) == 120
    assert sleep_seconds([slot()], NOW) == 1.0  # due now: no busy loop
    assert sleep_seconds([later], NOW, maximum=60) == 60
    assert sleep_seconds([], NOW, maximum=300) == 300
    assert sleep_seconds([slot(interval=dt.timedelta(0))], NOW, maximum=300) == 300
    # A job held by a live claim is not retried before the claim expires.
    held = slot(last=NOW - dt.timedelta(hours=5), running=NOW - dt.timedelta(minutes=29))
    assert sleep_seconds([held], NOW) == 60
