"""``{% exercises_due %}``: the dashboard's "IR exercises" card (due and overdue per kind).

Needs ``org`` and ``request.membership`` in the context; shows nothing to roles that may not
read the incidents area.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from phiward.core.permissions import Action, Area, allowed
from phiward.exercises.services import due_for

register = template.Library()


@register.inclusion_tag("exercises/_dashboard_card.html", takes_context=True)
def exercises_due(context: template.Context) -> dict[str, Any]:
    org = context.get("org")
    membership = getattr(context.get("request"), "membership", None)
    if org is None or membership is None:
        return {"show": False}
    if not allowed(membership.role, Action.READ, Area.INCIDENTS):
        return {"show": False}
    return {"show": True, "org": org, "due": due_for(org, timezone.localdate())}
