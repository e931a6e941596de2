"""Creating, listing, using and revoking API tokens: the one write path.

The web page, the CLI and the API's bearer authentication all go through these functions; none
of them writes an ``ApiToken`` itself. The rules live here:

- a member whose role allows (CREATE, TOKENS) makes tokens for themselves, with a role that
  grants nothing their own role does not, and an expiry of 1 to ``max_days()`` days (90 by
  default); every token expires;
- the creator revokes their own tokens (DELETE, TOKENS), an owner anyone's (ADMINISTER, TOKENS);
- a token works only while it is unexpired, unrevoked, its creator's account is active and the
  creator still belongs to its organization; removing the member revokes their tokens there.

The audit log gets creation and revocation from phiward.audit's tracking of every model save
(the digest shown as changed, never its value), and from here the first use and every refused
use of a known token; those summaries name the token by prefix, never by the name people gave.
"""

from __future__ import annotations

import datetime as dt
import os

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from phiward.core.apiscope import TokenCredential
from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.errors import InputProblems, PermissionDenied, PhiwardError, Problem
from phiward.core.members import may_grant
from phiward.core.models import Membership, Organization
from phiward.core.permissions import Action, Area, Role, allowed
from phiward.tokens import secret
from phiward.tokens.models import ApiToken, TokenState

OBJECT_TYPE = "tokens.apitoken"
MAX_NAME = 100
MAX_DAYS_LIMIT = 3650


class TokenRejected(PhiwardError):
    """A presented token that does not authenticate (the API answers 401)."""

    exit_code = 4


def max_days() -> int:
    """The longest a token may last: ``PHIWARD_TOKEN_MAX_DAYS`` (setting or environment)."""
    configured: object = getattr(settings, "PHIWARD_TOKEN_MAX_DAYS", None)
    if configured is None:
        configured = os.environ.get("PHIWARD_TOKEN_MAX_DAYS", secret.DEFAULT_MAX_DAYS)
    try:
        days = int(str(configured).strip())
    except ValueError:
        raise ImproperlyConfigured(
            "PHIWARD_TOKEN_MAX_DAYS must be a whole number of days"
        ) from None
    if not 1 <= days <= MAX_DAYS_LIMIT:
        raise ImproperlyConfigured(f"PHIWARD_TOKEN_MAX_DAYS must be between 1 and {MAX_DAYS_LIMIT}")
    return days


def may_hold_tokens(role: Role | str) -> bool:
    return allowed(role, Action.CREATE, Area.TOKENS)


def token_roles(role: Role) -> list[Role]:
    """The roles a member with ``role`` may give their tokens."""
    return [wanted for wanted in Role if may_grant(role, wanted)]


def visible_tokens(membership: Membership, *, cap: Role | None = None) -> QuerySet[ApiToken]:
    """The member's own tokens; every token of the organization for those who administer them.

    ``cap`` is the role of the API token a request came with: it must allow administering
    tokens too before the member's other tokens are shown.
    """
    tokens = ApiToken.objects.for_org(membership.organization).select_related(
        "creator", "revoked_by"
    )
    roles = [membership.role_enum] if cap is None else [membership.role_enum, cap]
    if all(allowed(role, Action.ADMINISTER, Area.TOKENS) for role in roles):
        return tokens
    return tokens.filter(creator_id=membership.user_id)


def create_token(
    organization: Organization,
    *,
    creator: User,
    name: str,
    role: Role | str | None = None,
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """A new token acting for ``creator``; returns it and its secret, which is shown once.

    The web page makes tokens for the person using it, the CLI (the install's administrator)
    for any member; either way the creator's role must allow holding tokens. ``role`` defaults
    to the creator's own.
    """
    membership = Membership.objects.filter(organization=organization, user=creator).first()
    if membership is None:
        raise InputProblems([Problem("not a member of this organization", field="user")])
    own = membership.role_enum
    if not may_hold_tokens(own):
        raise PermissionDenied(f"the role '{own.label}' may not hold API tokens")
    wanted = own if role is None else _role(role)
    if not may_grant(own, wanted):
        raise InputProblems(
            [Problem(f"a token's role may not exceed its creator's ({own.label})", field="role")]
        )
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InputProblems([Problem(f"give a name of 1 to {MAX_NAME} characters", field="name")])
    now = timezone.now()
    expires_at = secret.expiry(now, days, max_days())
    issued = secret.issue()
    with transaction.atomic():
        token = ApiToken.objects.create(
            organization=organization,
            name=name,
            creator=creator,
            role=wanted,
            prefix=issued.prefix,
            secret_hash=issued.digest,
            expires_at=expires_at,
        )
    return token, issued.secret


def revoke_token(token: ApiToken, *, by: User | None) -> ApiToken:
    """End a token now; ``by=None`` is the install's administrator (the CLI) or phiward itself.
    Revoking a revoked token changes nothing."""
    if by is not None:
        _check_may_revoke(token, by)
    with transaction.atomic():
        current = ApiToken.objects.select_for_update().get(pk=token.pk)
        if current.revoked_at is None:
            current.revoked_at = timezone.now()
            current.revoked_by = by
            current.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return current


def revoke_for_member(membership: Membership) -> int:
    """Revoke a leaving member's tokens in its organization; returns how many."""
    count = 0
    tokens = ApiToken.objects.for_org(membership.organization).filter(
        creator_id=membership.user_id, revoked_at__isnull=True
    )
    for token in tokens.select_related("creator"):
        revoke_token(token, by=None)
        count += 1
    return count


def authenticate(presented: str, now: dt.datetime | None = None) -> TokenCredential:
    """The credential of a presented secret, or TokenRejected saying why not."""
    now = now or timezone.now()
    prefix = secret.prefix_of(presented)
    if prefix is None:
        raise TokenRejected("not a phiward API token")
    candidates = ApiToken.objects.filter(prefix=prefix).select_related("creator")
    token = next((t for t in candidates if secret.matches(presented, t.secret_hash)), None)
    if token is None:
        raise TokenRejected("unknown API token")
    refusal = _refusal(token, now)
    if refusal is not None:
        _record(token, AuditAction.LOGIN_FAILED, token.creator, "api", refusal)
        raise TokenRejected(refusal)
    if secret.due_for_touch(token.last_used_at, now):
        _touch(token, now)
    return TokenCredential(token.pk, token.organization_id, token.role_enum, token.creator)


def _refusal(token: ApiToken, now: dt.datetime) -> str | None:
    state = token.state(now)
    if state is TokenState.REVOKED:
        return f"API token {token.prefix}… is revoked"
    if state is TokenState.EXPIRED:
        return f"API token {token.prefix}… has expired"
    if not token.creator.is_active:
        return f"API token {token.prefix}… belongs to a disabled account"
    if not Membership.objects.filter(
        organization_id=token.organization_id, user_id=token.creator_id
    ).exists():
        return f"API token {token.prefix}… belongs to someone no longer in its organization"
    return None


def _touch(token: ApiToken, now: dt.datetime) -> None:
    """Record a use, at most once per TOUCH_INTERVAL; the first use goes to the audit log."""
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - secret.TOUCH_INTERVAL)
    with transaction.atomic():
        first = token.last_used_at is None
        updated = ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
        if updated and first:
            _record(
                token,
                AuditAction.LOGIN,
                token.creator,
                "api",
                f"first use of API token {token.prefix}…",
            )
    token.last_used_at = now


def _check_may_revoke(token: ApiToken, by: User) -> None:
    membership = Membership.objects.filter(organization_id=token.organization_id, user=by).first()
    if membership is None:
        raise PermissionDenied("only members of the token's organization revoke its tokens")
    if allowed(membership.role, Action.ADMINISTER, Area.TOKENS):
        return
    if token.creator_id == by.pk and allowed(membership.role, Action.DELETE, Area.TOKENS):
        return
    raise PermissionDenied("only the token's creator or an owner revokes it")


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise InputProblems(
            [Problem(f"unknown role '{value}'; choose one of: {choices}", field="role")]
        ) from None


def _record(
    token: ApiToken,
    action: AuditAction,
    by: User | None,
    source: str,
    summary: str,
    changes: dict[str, dict[str, str | None]] | None = None,
) -> None:
    record(
        AuditEvent(
            action=action,
            organization_id=token.organization_id,
            actor_id=by.pk if by is not None else None,
            actor=by.get_username() if by is not None else "",
            object_type=OBJECT_TYPE,
            object_id=str(token.pk),
            summary=summary,
            changes=changes or {},
            source=source,
        )
    )
