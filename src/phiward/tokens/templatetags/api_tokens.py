from __future__ import annotations

from django import template

from phiward.core.models import Membership
from phiward.core.permissions import Action, Area, allowed

register = template.Library()


@register.filter
def sees_tokens(membership: object) -> bool:
    """Whether the member's role has the API tokens page (for the navigation)."""
    return isinstance(membership, Membership) and allowed(membership.role, Action.READ, Area.TOKENS)
