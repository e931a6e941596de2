"""Sessions under phiward's account policy: stamped at login, checked per request, ended in bulk.

At login the session records when it started, when it was last seen, its limits (the strictest
of the person's organizations) and whether the person satisfies the MFA policy; the middleware
reads these without a query and writes them back at most every ``activity_refresh_seconds``.
"""

from __future__ import annotations

import time
from typing import Literal

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.utils import timezone

from phiward.accounts.policy import OrgAccess, SessionLimits, mfa_required, session_limits
from phiward.core.models import Membership
from phiward.core.permissions import Role

STARTED = "phiward.session.started"
SEEN = "phiward.session.seen"
LIMITS = "phiward.session.limits"
MFA = "phiward.session.mfa"

MfaStatus = Literal["enrolled", "exempt"]
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def clock() -> float:
    """Now, in POSIX seconds (tests move it)."""
    return time.time()


def access_of(user: AbstractBaseUser) -> list[OrgAccess]:
    """The person's role and account policy in each of their organizations."""
    rows = Membership.objects.filter(user_id=user.pk).values_list(
        "role",
        "organization__workforce_mfa_required",
        "organization__session_idle_minutes",
        "organization__session_lifetime_hours",
    )
    return [OrgAccess(Role(role), bool(mfa), idle, life) for role, mfa, idle, life in rows]


def limits_for(user: AbstractBaseUser) -> SessionLimits:
    return session_limits(
        access_of(user),
        idle_cap=settings.PHIWARD_SESSION_IDLE_CAP,
        lifetime_cap=settings.PHIWARD_SESSION_LIFETIME_CAP,
    )


def has_second_factor(user: AbstractBaseUser) -> bool:
    """An authenticator app or a security key (recovery codes alone are not one)."""
    found: bool = Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()
    return found


def needs_mfa(user: AbstractBaseUser) -> bool:
    return mfa_required(access_of(user))


def mfa_status(user: AbstractBaseUser) -> MfaStatus | None:
    """``enrolled``, ``exempt`` (allowed without MFA), or ``None``: must enrol first."""
    if has_second_factor(user):
        return "enrolled"
    if not needs_mfa(user):
        return "exempt"
    return None


def stamp(session: SessionBase, user: AbstractBaseUser, now: float | None = None) -> None:
    """Record a fresh login in ``session``."""
    moment = clock() if now is None else now
    limits = limits_for(user)
    session[STARTED] = moment
    session[SEEN] = moment
    session[LIMITS] = [limits.idle_seconds, limits.lifetime_seconds]
    status = mfa_status(user)
    if status is None:
        session.pop(MFA, None)
    else:
        session[MFA] = status


def stored_limits(session: SessionBase) -> SessionLimits | None:
    value = session.get(LIMITS)
    if not isinstance(value, list) or len(value) != 2:
        return None
    return SessionLimits(idle_seconds=int(value[0]), lifetime_seconds=int(value[1]))


def end_sessions(user: AbstractBaseUser, *, keep: str | None = None) -> int:
    """End every session of ``user`` (but ``keep``, a session key); returns how many.

    Sessions allauth tracks are ended through it; the sweep after it finds any other (logged
    in before tracking began, or by another path) in Django's session table.
    """
    ended = 0
    for tracked in UserSession.objects.filter(user_id=user.pk):
        if tracked.session_key != keep:
            tracked.end()
            ended += 1
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        owner = str(user.pk)
        stale: list[str] = []
        for row in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if row.session_key != keep and row.get_decoded().get(SESSION_KEY) == owner:
                stale.append(row.session_key)
        Session.objects.filter(session_key__in=stale).delete()
        ended += len(stale)
    return ended
