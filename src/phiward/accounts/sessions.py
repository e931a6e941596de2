"""Sessions under phiward's account policy: stamped at login, checked per request, ended in bulk.

At login the session records when it started, when it was last seen, its limits (the strictest
of the person's organizations) and whether the person satisfies the MFA policy; the middleware
reads these without a query and writes them back at most every ``activity_refresh_seconds``.

A person's own sessions are the ones allauth tracks at login (the "Your sessions" page lists
the same); each is named outside phiward's database by a handle, an HMAC of its session key, so
no session key ever leaves the server and a handle cannot be guessed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
from dataclasses import dataclass
from importlib import import_module
from typing import Literal

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.crypto import salted_hmac

from phiward.accounts.policy import (
    OrgAccess,
    SessionLimits,
    SessionState,
    mfa_required,
    session_limits,
    session_state,
    sessions_over_limit,
)
from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.models import Membership, Organization
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
        if tracked.session_key == keep:
            continue
        if tracked.exists():
            ended += 1
        # A row without its session (its key was cycled, or it expired) is only tidied away.
        tracked.end()
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        owner = str(user.pk)
        stale: list[str] = []
        for row in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if row.session_key != keep and row.get_decoded().get(SESSION_KEY) == owner:
                stale.append(row.session_key)
        Session.objects.filter(session_key__in=stale).delete()
        ended += len(stale)
    return ended


def end_member_sessions(
    organization: Organization, member: AbstractBaseUser, *, by: AbstractBaseUser, source: str
) -> int:
    """An owner logs ``member`` of ``organization`` out everywhere (a lost laptop, a suspected
    compromise), recorded on the organization's audit log; returns how many sessions ended.
    The caller has checked that ``by`` may administer the organization."""
    ended = end_sessions(member)
    record(
        AuditEvent(
            action=AuditAction.ADMIN,
            organization_id=organization.pk,
            actor_id=by.pk,
            actor=by.get_username(),
            object_type="auth.user",
            object_id=str(member.pk),
            summary=f"ended {ended} session(s) of {member.get_username()}",
            source=source,
        )
    )
    return ended


# --- a person's own sessions -------------------------------------------------------------------

_HANDLE_SALT = "phiward.accounts.sessions.handle"


@dataclass(frozen=True)
class OwnSession:
    """One of a person's sessions as they may see it: never its key."""

    handle: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    ip: str
    user_agent: str
    current: bool


def handle_of(session_key: str) -> str:
    """The public name of a session: 128 bits of an HMAC of its key under the install's secret."""
    return salted_hmac(_HANDLE_SALT, session_key, algorithm="sha256").hexdigest()[:32]


def _store(session_key: str | None = None) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    store: SessionBase = engine.SessionStore(session_key)
    return store


def _last_seen(tracked: UserSession, data: SessionBase) -> dt.datetime:
    """When the session last made a request, as the lifetime middleware records it (to within
    ``activity_refresh_seconds``); allauth's own timestamp when the session has none."""
    seen = data.get(SEEN)
    if isinstance(seen, int | float) and not isinstance(seen, bool):
        return dt.datetime.fromtimestamp(seen, tz=dt.UTC)
    last: dt.datetime = tracked.last_seen_at
    return last


def own_sessions(user: AbstractBaseUser, *, current: str | None) -> list[OwnSession]:
    """The live sessions of ``user``, oldest first; ``current`` is the asking session's key
    (None for a request that is not a browser session, such as an API token's)."""
    found = []
    tracked_list: list[UserSession] = UserSession.objects.purge_and_list(user)
    for tracked in sorted(tracked_list, key=lambda s: s.created_at):
        found.append(
            OwnSession(
                handle=handle_of(tracked.session_key),
                created_at=tracked.created_at,
                last_seen_at=_last_seen(tracked, _store(tracked.session_key)),
                ip=tracked.ip,
                user_agent=tracked.user_agent,
                current=tracked.session_key == current,
            )
        )
    return found


def session_named(user: AbstractBaseUser, handle: str) -> UserSession | None:
    """The live session of ``user`` whose handle is ``handle`` (sessions of others never are)."""
    tracked_list: list[UserSession] = UserSession.objects.purge_and_list(user)
    for tracked in tracked_list:
        if hmac.compare_digest(handle_of(tracked.session_key).encode(), handle.encode()):
            return tracked
    return None


def _float(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def enforce_session_limit(
    user: AbstractBaseUser, current: str | None, limit: int, now: float | None = None
) -> int:
    """Make room for the session ``current`` that ``user`` just logged in with.

    Their other sessions (as allauth tracks them: every web login) that are gone or already past
    their idle timeout or lifetime are cleared first; then the oldest live ones end until, with
    the new one, there are at most ``limit``. Returns how many live sessions ended.
    """
    moment = clock() if now is None else now
    tracked = {s.session_key: s for s in UserSession.objects.filter(user_id=user.pk)}
    tracked.pop(current or "", None)
    live: list[tuple[str, float]] = []
    for key, session in tracked.items():
        store = _store(key)
        if store.get(SESSION_KEY) != str(user.pk):
            session.delete()  # ended elsewhere; only the tracking row was left
            continue
        limits = stored_limits(store)
        started, seen = _float(store.get(STARTED)), _float(store.get(SEEN))
        if limits is not None and started is not None and seen is not None:
            state = session_state(limits, started=started, last_seen=seen, now=moment)
            if state is not SessionState.ACTIVE:
                session.end()  # would be refused at its next request anyway
                continue
        live.append((key, started if started is not None else session.created_at.timestamp()))
    ended = sessions_over_limit(live, limit)
    for key in ended:
        tracked[key].end()
    return len(ended)
