"""Retention (164.316(b)(2)(i)) and an item's state: the pure date arithmetic."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from phiward.evidence.retention import (
    Dates,
    State,
    add_years,
    expiring_soon,
    last_in_effect,
    retained_until,
    state,
    within_retention,
)

D = dt.date
TODAY = D(2026, 11, 29)


@pytest.mark.parametrize(
    ("start", "years", "end"),
    [
        (D(2020, 5, 17), 6, D(2026, 5, 17)),
        (D(2024, 2, 29), 6, D(2030, 3, 1)),  # no 29 February in 2030: the later day
        (D(2024, 2, 29), 4, D(2028, 2, 29)),  # a leap year again
        (D(2023, 2, 28), 6, D(2029, 2, 28)),
        (D(2023, 3, 1), 1, D(2024, 3, 1)),
        (D(2019, 12, 31), 6, D(2025, 12, 31)),
    ],
)
def test_add_years(start: dt.date, years: int, end: dt.date) -> None:
    assert add_years(start, years) == end


def test_kept_six_years_from_creation_when_that_is_later() -> None:
    # In effect before it was uploaded (a policy signed in 2018, scanned in 2020), ended 2019.
    dates = Dates(
        created_on=D(2020, 6, 1), effective_on=D(2018, 1, 1), last_in_effect_on=D(2019, 1, 1)
    )
    assert retained_until(dates, TODAY) == D(2026, 6, 1)


def test_kept_six_years_from_when_it_was_last_in_effect_when_that_is_later() -> None:
    dates = Dates(
        created_on=D(2015, 3, 10), effective_on=D(2015, 3, 10), last_in_effect_on=D(2021, 7, 4)
    )
    assert retained_until(dates, TODAY) == D(2027, 7, 4)


def test_still_in_effect_means_six_years_from_today() -> None:
    dates = Dates(created_on=D(2010, 1, 1), effective_on=D(2010, 1, 1))
    assert last_in_effect(dates, TODAY) == TODAY
    assert retained_until(dates, TODAY) == D(2032, 11, 29)
    assert retained_until(dates, D(2027, 1, 1)) == D(2033, 1, 1)  # it moves with the days


def test_expiry_and_supersession_end_being_in_effect() -> None:
    expired = Dates(created_on=D(2016, 1, 1), effective_on=D(2016, 1, 1), expires_on=D(2019, 5, 31))
    assert last_in_effect(expired, TODAY) == D(2019, 5, 31)
    assert retained_until(expired, TODAY) == D(2025, 5, 31)
    assert not within_retention(expired, TODAY)
    superseded = Dates(
        created_on=D(2016, 1, 1), effective_on=D(2016, 1, 1), superseded_on=D(2021, 3, 1)
    )
    assert last_in_effect(superseded, TODAY) == D(2021, 2, 28)  # the day before
    assert retained_until(superseded, TODAY) == D(2027, 2, 28)
    # A future expiry or supersession does not end it yet: it is in effect today.
    later = Dates(created_on=D(2016, 1, 1), effective_on=D(2016, 1, 1), expires_on=D(2027, 1, 1))
    assert last_in_effect(later, TODAY) == TODAY


def test_a_recorded_last_day_wins_over_expiry() -> None:
    dates = Dates(
        created_on=D(2016, 1, 1),
        effective_on=D(2016, 1, 1),
        expires_on=D(2030, 1, 1),
        last_in_effect_on=D(2018, 2, 28),
    )
    assert retained_until(dates, TODAY) == D(2024, 2, 28)


def test_leap_day_retention_boundary() -> None:
    dates = Dates(created_on=D(2024, 2, 29), effective_on=D(2024, 2, 29), expires_on=D(2024, 2, 29))
    assert retained_until(dates, D(2031, 1, 1)) == D(2030, 3, 1)
    assert within_retention(dates, D(2030, 2, 28))
    assert within_retention(dates, D(2030, 3, 1))  # the last day it must be kept
    assert not within_retention(dates, D(2030, 3, 2))


def test_states() -> None:
    base = Dates(created_on=D(2026, 1, 1), effective_on=D(2026, 1, 1))
    assert state(base, TODAY) is State.CURRENT
    assert state(Dates(D(2026, 1, 1), D(2027, 1, 1)), TODAY) is State.PENDING
    assert state(Dates(D(2026, 1, 1), D(2026, 1, 1), expires_on=TODAY), TODAY) is State.CURRENT
    yesterday = TODAY - dt.timedelta(days=1)
    assert state(Dates(D(2026, 1, 1), D(2026, 1, 1), expires_on=yesterday), TODAY) is State.EXPIRED
    both = Dates(D(2026, 1, 1), D(2026, 1, 1), expires_on=yesterday, superseded_on=yesterday)
    assert state(both, TODAY) is State.SUPERSEDED  # replaced: not a gap
    ended = Dates(D(2026, 1, 1), D(2026, 1, 1), last_in_effect_on=yesterday)
    assert state(ended, TODAY) is State.ENDED


def test_expiring_soon_is_within_thirty_days_and_current() -> None:
    def dates(expires: dt.date) -> Dates:
        return Dates(D(2026, 1, 1), D(2026, 1, 1), expires_on=expires)

    assert expiring_soon(dates(TODAY), TODAY)
    assert expiring_soon(dates(TODAY + dt.timedelta(days=30)), TODAY)
    assert not expiring_soon(dates(TODAY + dt.timedelta(days=31)), TODAY)
    assert not expiring_soon(dates(TODAY - dt.timedelta(days=1)), TODAY)  # already expired
    assert not expiring_soon(Dates(D(2026, 1, 1), D(2026, 1, 1)), TODAY)


# Every combination of these dates, for the queryset twin test.
CHOICES = (None, TODAY - dt.timedelta(days=3), TODAY, TODAY + dt.timedelta(days=3))


def date_grid() -> list[Dates]:
    grid = []
    for effective, expires, last, superseded in itertools.product(
        (TODAY - dt.timedelta(days=5), TODAY, TODAY + dt.timedelta(days=2)),
        CHOICES,
        CHOICES,
        CHOICES,
    ):
        grid.append(
            Dates(
                created_on=TODAY - dt.timedelta(days=10),
                effective_on=effective,
                expires_on=expires,
                last_in_effect_on=last,
                superseded_on=superseded,
            )
        )
    return grid
