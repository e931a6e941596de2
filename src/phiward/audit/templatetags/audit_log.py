from __future__ import annotations

from django import template

from phiward.core.models import Membership
from phiward.core.permissions import Action, Area, allowed

register = template.Library()


@register.filter
def sees_audit_log(membership: Membership | None) -> bool:
    """Whether the member's role has the audit-log page (for the navigation)."""
    return membership is not None and allowed(membership.role, Action.READ, Area.AUDIT)
