"""Resolving the organization a request acts in, and checking the permission table.

Every interface goes through ``membership_for`` and ``require``: a user who is not a member
of an organization gets NotFound (the organization's existence is not revealed), a member
whose role lacks the action gets PermissionDenied.
"""

from __future__ import annotations

from typing import Any

from phiward.core.errors import NotFound, PermissionDenied
from phiward.core.models import Membership
from phiward.core.permissions import Action, Area, Role, allowed


def membership_for(user: Any, org_slug: str) -> Membership:
    if user is None or not user.is_authenticated:
        raise NotFound("organization not found")
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__slug=org_slug)
        .first()
    )
    if membership is None:
        raise NotFound("organization not found")
    return membership


def require(membership: Membership, action: Action, area: Area) -> None:
    if not allowed(membership.role, action, area):
        raise PermissionDenied(f"role '{membership.role}' may not {action} in {area}")


def may_create_organization(user: Any) -> bool:
    """Administrators and people who already own an organization (consultants, MSPs)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or Membership.objects.filter(user=user, role=Role.OWNER).exists())
