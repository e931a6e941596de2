"""Who must use MFA and how long a session lives: phiward's account policy, free of Django.

An organization requires MFA of every member; its owner may relax that for the workforce-member
role only. A person in several organizations needs MFA if any of them requires it for their role
there, and with no organization at all they need it too. Session limits are the strictest of the
person's organizations, further capped by the install (``PHIWARD_SESSION_*_SECONDS``). A person
has at most ``PHIWARD_MAX_SESSIONS`` sessions at once (default 5, install-wide): a login beyond
it ends their oldest session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from phiward.core.permissions import Role

DEFAULT_IDLE_MINUTES = 15  # the HIPAA automatic-logoff implementation specification
DEFAULT_LIFETIME_HOURS = 12
MAX_IDLE_MINUTES = 240
MAX_LIFETIME_HOURS = 24
# Concurrent sessions per person: a desk, a laptop, a workstation on the ward, a phone and one
# to spare. More than that is more likely a stolen password than a busy person.
DEFAULT_MAX_SESSIONS = 5


@dataclass(frozen=True)
class OrgAccess:
    """A person's role in one organization and that organization's account policy."""

    role: Role
    workforce_mfa_required: bool = True
    idle_minutes: int = DEFAULT_IDLE_MINUTES
    lifetime_hours: int = DEFAULT_LIFETIME_HOURS


@dataclass(frozen=True)
class SessionLimits:
    idle_seconds: int
    lifetime_seconds: int


class SessionState(StrEnum):
    ACTIVE = "active"
    IDLE = "idle"  # no request for longer than the idle timeout
    EXPIRED = "expired"  # older than the absolute lifetime


def mfa_required(access: Iterable[OrgAccess]) -> bool:
    """Whether the person must have an MFA authenticator."""
    found = list(access)
    if not found:
        return True
    return any(a.role is not Role.WORKFORCE or a.workforce_mfa_required for a in found)


def session_limits(
    access: Iterable[OrgAccess], *, idle_cap: int | None = None, lifetime_cap: int | None = None
) -> SessionLimits:
    """The strictest limits of the person's organizations (defaults when they have none)."""
    found = list(access)
    idle = min((a.idle_minutes for a in found), default=DEFAULT_IDLE_MINUTES) * 60
    lifetime = min((a.lifetime_hours for a in found), default=DEFAULT_LIFETIME_HOURS) * 3600
    if idle_cap is not None:
        idle = min(idle, idle_cap)
    if lifetime_cap is not None:
        lifetime = min(lifetime, lifetime_cap)
    return SessionLimits(idle_seconds=max(idle, 1), lifetime_seconds=max(lifetime, 1))


def session_state(
    limits: SessionLimits, *, started: float, last_seen: float, now: float
) -> SessionState:
    """Where a session stands at ``now`` (POSIX seconds), given its start and last request."""
    if now - started >= limits.lifetime_seconds:
        return SessionState.EXPIRED
    if now - last_seen >= limits.idle_seconds:
        return SessionState.IDLE
    return SessionState.ACTIVE


def activity_refresh_seconds(limits: SessionLimits) -> int:
    """How stale the recorded last activity may get before a request writes it again.

    Writing the session on every request would cost a query each time; a tenth of the idle
    timeout (at most a minute) keeps the logoff within 10% of the configured time.
    """
    return max(0, min(60, limits.idle_seconds // 10))


def sessions_over_limit(others: Sequence[tuple[str, float]], limit: int) -> list[str]:
    """Which of a person's other live sessions end as a new one starts: the oldest, so that the
    new one and those left are at most ``limit``. ``others`` are (key, start time) pairs."""
    keep = max(limit - 1, 0)
    oldest_first = sorted(others, key=lambda session: (session[1], session[0]))
    return [key for key, _started in oldest_first[: max(len(oldest_first) - keep, 0)]]
