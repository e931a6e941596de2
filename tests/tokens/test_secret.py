"""The pure rules of token secrets: shape, digest, lookup prefix, expiry and the use throttle."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phiward.core.errors import InputProblems
from phiward.tokens import secret

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_issued_secrets_are_random_and_only_their_digest_identifies_them() -> None:
    first, second = secret.issue(), secret.issue()
    assert first.secret != second.secret
    assert first.secret.startswith("pw_") and len(first.secret) == 3 + 43
    assert first.prefix == first.secret[: secret.PREFIX_LENGTH]
    assert first.digest == hashlib.sha256(first.secret.encode()).hexdigest()
    assert secret.prefix_of(first.secret) == first.prefix
    assert secret.matches(first.secret, first.digest)
    assert not secret.matches(second.secret, first.digest)


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "pw_",
        "pw_short",
        "xx_" + "a" * 43,
        "pw_" + "a" * 42,
        "pw_" + "a" * 44,
        "pw_" + "a" * 42 + "!",
    ],
)
def test_malformed_secrets_have_no_prefix(presented: str) -> None:
    assert secret.prefix_of(presented) is None


@given(st.text(max_size=60))
def test_prefix_of_never_fails_and_only_accepts_the_shape(presented: str) -> None:
    prefix = secret.prefix_of(presented)
    assert prefix is None or (presented.startswith("pw_") and len(presented) == 46)


def test_one_changed_character_does_not_match() -> None:
    issued = secret.issue()
    last = "A" if issued.secret[-1] != "A" else "B"
    assert not secret.matches(issued.secret[:-1] + last, issued.digest)


def test_expiry_defaults_to_90_days_and_stays_within_the_maximum() -> None:
    assert secret.expiry(NOW, None, 365) == NOW + dt.timedelta(days=90)
    assert secret.expiry(NOW, 365, 365) == NOW + dt.timedelta(days=365)
    assert secret.expiry(NOW, 1, 365) == NOW + dt.timedelta(days=1)
    # A maximum below the default lowers the default rather than refusing every token.
    assert secret.expiry(NOW, None, 30) == NOW + dt.timedelta(days=30)


@pytest.mark.parametrize("days", [0, -1, 366, 10_000])
def test_expiry_outside_the_limits_is_refused(days: int) -> None:
    with pytest.raises(InputProblems) as caught:
        secret.expiry(NOW, days, 365)
    assert caught.value.problems[0].field == "days"


def test_expiry_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        secret.expiry(NOW.replace(tzinfo=None), None, 365)


def test_uses_are_written_at_most_once_a_minute() -> None:
    assert secret.due_for_touch(None, NOW)
    assert not secret.due_for_touch(NOW, NOW)
    assert not secret.due_for_touch(NOW - dt.timedelta(seconds=59), NOW)
    assert secret.due_for_touch(NOW - dt.timedelta(seconds=60), NOW)
