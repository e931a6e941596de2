"""Template context shared by every page: the organization switcher and the navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from phiward.core.models import Membership


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )
    current = getattr(request, "membership", None)
    return {
        "memberships": memberships,
        "current_membership": current,
        "current_org": current.organization if current is not None else None,
    }
