"""API token secrets and their lifetime rules: pure functions, no Django.

A secret is ``pw_`` followed by 32 random bytes in URL-safe base64 (43 characters). It is shown
once; phiward keeps only its SHA-256 digest (the secret has 256 bits of entropy, so a fast hash
is enough: there is nothing to brute-force) and its first characters as a visible prefix, which
is also how a presented secret finds its row. Digests are compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from phiward.core.errors import InputProblems, Problem

SCHEME = "pw_"
SECRET_BYTES = 32
PREFIX_LENGTH = len(SCHEME) + 8  # "pw_" and 48 bits: shown in lists, used to find the row
_SHAPE = re.compile(r"pw_[A-Za-z0-9_-]{43}")

DEFAULT_DAYS = 90
DEFAULT_MAX_DAYS = 365
# last_used_at is written at most this often per token, so busy automation does not turn every
# request into a write.
TOUCH_INTERVAL = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedSecret:
    secret: str  # shown once, never stored
    prefix: str
    digest: str


def issue() -> IssuedSecret:
    """A new random secret with its prefix and digest."""
    secret = SCHEME + secrets.token_urlsafe(SECRET_BYTES)
    return IssuedSecret(secret, secret[:PREFIX_LENGTH], digest(secret))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def prefix_of(presented: str) -> str | None:
    """The lookup prefix of a presented secret, or None when it cannot be a phiward token."""
    if _SHAPE.fullmatch(presented) is None:
        return None
    return presented[:PREFIX_LENGTH]


def matches(presented: str, stored_digest: str) -> bool:
    """Whether ``presented`` is the secret of ``stored_digest`` (constant-time comparison)."""
    return hmac.compare_digest(digest(presented), stored_digest)


def expiry(now: dt.datetime, days: int | None, max_days: int) -> dt.datetime:
    """When a token made at ``now`` for ``days`` (default 90, at most ``max_days``) expires."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    wanted = min(DEFAULT_DAYS, max_days) if days is None else days
    if not 1 <= wanted <= max_days:
        raise InputProblems([Problem(f"a token lasts between 1 and {max_days} days", field="days")])
    return now + dt.timedelta(days=wanted)


def due_for_touch(last_used: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a use at ``now`` should be written to last_used_at."""
    return last_used is None or now - last_used >= TOUCH_INTERVAL
