"""Template filters shared by every page."""

from __future__ import annotations

from typing import Any

from django import template

from phiward.core.models import display_name

register = template.Library()


@register.filter
def person(user: Any, empty: str = "—") -> str:
    """A user's full name, else username; ``empty`` when there is no user."""
    return display_name(user) if user else empty


@register.filter
def reads(membership: object, area: str) -> bool:
    """Whether the member's role may read ``area`` (for the navigation): ``m|reads:"risk"``."""
    from phiward.core.models import Membership
    from phiward.core.permissions import Action, Area, allowed

    return isinstance(membership, Membership) and allowed(membership.role, Action.READ, Area(area))
