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
