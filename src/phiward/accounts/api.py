"""The accounts API: your own sessions, an owner ending a member's sessions, the account policy.

``/api/account/sessions`` are the caller's own sessions, the ones the *Your sessions* page
lists: each is named by an opaque handle (``phiward.accounts.sessions.handle_of``), never by
its key. A request authenticated by an API token acts as the token's creator, so "own"
sessions are the creator's browser sessions; the token is not one of them, so none is
``current`` and ending "the others" ends them all (a script can log its person out everywhere
after a suspected compromise). Ending a session is recorded on the audit log of each
organization the person belongs to, as logins are.

Under ``/api/organizations/{org}`` an owner ends a member's sessions and reads or changes the
account policy: the same service calls (``sessions.end_member_sessions``,
``policies.set_policy``) and the same permissions as the web app's People and Account policy
pages.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Router, Schema, Status

from phiward.accounts import policies, sessions
from phiward.accounts.receivers import audit_user
from phiward.accounts.schemas import (
    AccountPolicyOut,
    AccountPolicyPatch,
    SessionOut,
    SessionsEndedOut,
)
from phiward.core import members as people
from phiward.core.apiscope import (
    SCOPED_ERRORS,
    WRITE_ERRORS,
    ProblemOut,
    api_user,
    org_scope,
    token_credential,
)
from phiward.core.auditing import AuditAction
from phiward.core.errors import InputProblems, NotFound, Problem
from phiward.core.permissions import Action, Area

account_router = Router(tags=["account"])
router = Router(tags=["organizations"])

# A write to one's own account is refused with 403 when a browser session sends no CSRF token.
SESSION_WRITE_ERRORS: dict[int, type[Schema]] = {401: ProblemOut, 403: ProblemOut}


def _current_key(request: HttpRequest) -> str | None:
    """The key of the browser session making the request; None for an API token's request
    (whatever session cookie came along, the token decides who is acting)."""
    if token_credential(request) is not None:
        return None
    key: str | None = request.session.session_key
    return key


def _forget_ended_session(request: HttpRequest) -> None:
    """If the request's own session was just ended, drop it, so the answer clears the cookie
    instead of saving a session that no longer exists."""
    key = request.session.session_key
    if key is not None and not request.session.exists(key):
        request.session.flush()


def _session(found: sessions.OwnSession) -> dict[str, object]:
    return {
        "id": found.handle,
        "created_at": found.created_at,
        "last_seen_at": found.last_seen_at,
        "ip": found.ip,
        "user_agent": found.user_agent,
        "current": found.current,
    }


def _record_own(user: User, summary: str) -> None:
    audit_user(AuditAction.LOGOUT, user, f"{user.get_username()} {summary}", source="api")


@account_router.get(
    "/sessions",
    response={200: list[SessionOut], 401: ProblemOut},
    operation_id="list_my_sessions",
    summary="Your sessions: where you are logged in, oldest first",
)
def list_my_sessions(request: HttpRequest) -> list[dict[str, object]]:
    user = api_user(request)
    return [_session(s) for s in sessions.own_sessions(user, current=_current_key(request))]


# Declared before "/sessions/{session_id}", which would otherwise take "end-others" for an id.
@account_router.post(
    "/sessions/end-others",
    response={200: SessionsEndedOut, **SESSION_WRITE_ERRORS},
    operation_id="end_my_other_sessions",
    summary="End every session of yours but this one (all of them for an API token)",
)
def end_my_other_sessions(request: HttpRequest) -> dict[str, int]:
    user = api_user(request)
    ended = sessions.end_sessions(user, keep=_current_key(request))
    _record_own(user, f"ended {ended} other session(s)")
    _forget_ended_session(request)
    return {"ended": ended}


@account_router.delete(
    "/sessions/{session_id}",
    response={204: None, **SESSION_WRITE_ERRORS, 404: ProblemOut},
    operation_id="end_my_session",
    summary="End one of your sessions (the current one too: that logs this session out)",
)
def end_my_session(request: HttpRequest, session_id: str) -> Status[None]:
    user = api_user(request)
    found = sessions.session_named(user, session_id)
    if found is None:
        raise NotFound("you have no session with this id")
    found.end()
    _record_own(user, "ended one of their sessions")
    _forget_ended_session(request)
    return Status(204, None)


@router.post(
    "/{org}/members/{username}/sessions/end",
    response={200: SessionsEndedOut, **SCOPED_ERRORS},
    operation_id="end_member_sessions",
    summary="Log a member out everywhere (owners): a lost laptop, a suspected compromise",
)
def end_member_sessions(request: HttpRequest, org: str, username: str) -> dict[str, int]:
    scope = org_scope(request, org, Action.ADMINISTER, Area.ORGANIZATION)
    member = people.member_of(scope.organization, username)
    ended = sessions.end_member_sessions(
        scope.organization, member.user, by=scope.user, source="api"
    )
    _forget_ended_session(request)
    return {"ended": ended}


def _policy(policy: policies.AccountPolicy) -> dict[str, object]:
    return {
        "workforce_mfa_required": policy.workforce_mfa_required,
        "session_idle_minutes": policy.session_idle_minutes,
        "session_lifetime_hours": policy.session_lifetime_hours,
    }


@router.get(
    "/{org}/account-policy",
    response={200: AccountPolicyOut, **SCOPED_ERRORS},
    operation_id="get_account_policy",
    summary="The account policy: MFA for workforce members, idle timeout, session lifetime",
)
def get_account_policy(request: HttpRequest, org: str) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, Area.ORGANIZATION)
    return _policy(policies.policy_of(scope.organization))


@router.patch(
    "/{org}/account-policy",
    response={200: AccountPolicyOut, **WRITE_ERRORS},
    operation_id="update_account_policy",
    summary="Change the account policy (owners); recorded on the audit log",
)
def update_account_policy(
    request: HttpRequest, org: str, payload: AccountPolicyPatch
) -> dict[str, object]:
    scope = org_scope(request, org, Action.ADMINISTER, Area.ORGANIZATION)
    fields = payload.model_dump(exclude_unset=True)
    nulls = sorted(name for name, value in fields.items() if value is None)
    if nulls:
        raise InputProblems([Problem("may not be null", field=name) for name in nulls])
    return _policy(policies.set_policy(scope.organization, by=scope.user, source="api", **fields))
