"""An organization's account policy (MFA for the workforce role, session limits): one write path.

Owners change it (``by`` a member whose role may administer the organization), or the install's
administrator (``by=None``, the CLI). Every change is recorded in the audit log. Turning MFA
back on for the workforce ends the sessions of workforce members who have no second factor, so
they enrol at their next login.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from phiward.accounts import sessions
from phiward.accounts.policy import MAX_IDLE_MINUTES, MAX_LIFETIME_HOURS
from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.errors import InputProblems, NotFound, PermissionDenied, Problem
from phiward.core.models import Membership, Organization
from phiward.core.permissions import Action, Area, Role, allowed

FIELDS = ("workforce_mfa_required", "session_idle_minutes", "session_lifetime_hours")


@dataclass(frozen=True)
class AccountPolicy:
    workforce_mfa_required: bool
    session_idle_minutes: int
    session_lifetime_hours: int


def policy_of(organization: Organization) -> AccountPolicy:
    return AccountPolicy(
        workforce_mfa_required=organization.workforce_mfa_required,
        session_idle_minutes=organization.session_idle_minutes,
        session_lifetime_hours=organization.session_lifetime_hours,
    )


def set_policy(
    organization: Organization,
    *,
    by: User | None,
    workforce_mfa_required: bool | None = None,
    session_idle_minutes: int | None = None,
    session_lifetime_hours: int | None = None,
    source: str = "web",
) -> AccountPolicy:
    """Change the given parts of the policy; returns the policy now in force."""
    problems = []
    if session_idle_minutes is not None and not 1 <= session_idle_minutes <= MAX_IDLE_MINUTES:
        problems.append(
            Problem(f"between 1 and {MAX_IDLE_MINUTES} minutes", field="session_idle_minutes")
        )
    if session_lifetime_hours is not None and not 1 <= session_lifetime_hours <= MAX_LIFETIME_HOURS:
        problems.append(
            Problem(f"between 1 and {MAX_LIFETIME_HOURS} hours", field="session_lifetime_hours")
        )
    if problems:
        raise InputProblems(problems)
    wanted = {
        "workforce_mfa_required": workforce_mfa_required,
        "session_idle_minutes": session_idle_minutes,
        "session_lifetime_hours": session_lifetime_hours,
    }
    with transaction.atomic():
        org = Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if org is None:
            raise NotFound("organization not found")
        if by is not None:
            membership = Membership.objects.filter(organization=org, user=by).first()
            if membership is None or not allowed(
                membership.role, Action.ADMINISTER, Area.ORGANIZATION
            ):
                raise PermissionDenied("only an owner of the organization changes its policy")
        changes = {
            name: {"before": getattr(org, name), "after": value}
            for name, value in wanted.items()
            if value is not None and getattr(org, name) != value
        }
        if not changes:
            return policy_of(org)
        for name, change in changes.items():
            setattr(org, name, change["after"])
        org.save(update_fields=list(changes))
        record(
            AuditEvent(
                action=AuditAction.ADMIN,
                organization_id=org.pk,
                actor_id=by.pk if by else None,
                actor=by.get_username() if by else "",
                object_type="core.organization",
                object_id=str(org.pk),
                summary=f"account policy of {org.name} changed: {', '.join(sorted(changes))}",
                changes=changes,
                source=source,
            )
        )
        if changes.get("workforce_mfa_required", {}).get("after") is True:
            workforce = User.objects.filter(
                memberships__organization=org, memberships__role=Role.WORKFORCE
            )
            for user in workforce:
                if not sessions.has_second_factor(user):
                    sessions.end_sessions(user)
    for name in changes:
        setattr(organization, name, getattr(org, name))
    return policy_of(org)
