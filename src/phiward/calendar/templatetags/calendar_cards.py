"""``{% upcoming_deadlines %}``: the dashboard's "Upcoming deadlines" card.

Needs ``org`` and ``request.membership`` in the context (every ``OrgView`` page has them).
Shows nothing to a member whose role reads no area that has deadlines.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from phiward.calendar.display import entry
from phiward.calendar.registry import upcoming
from phiward.core.permissions import Action, Area, allowed

register = template.Library()

CARD_SIZE = 8
# Areas with deadlines; a role that reads none of them gets no card.
DEADLINE_AREAS = (Area.RISK, Area.EVIDENCE, Area.INCIDENTS)


@register.inclusion_tag("calendar/_dashboard_card.html", takes_context=True)
def upcoming_deadlines(context: template.Context) -> dict[str, Any]:
    org = context.get("org")
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if org is None or membership is None:
        return {"show": False}
    role = membership.role
    if not any(allowed(role, Action.READ, area) for area in DEADLINE_AREAS):
        return {"show": False}
    today = timezone.localdate()
    found = upcoming(org, role=role, today=today, days=60, limit=CARD_SIZE)
    return {"show": True, "org": org, "entries": [entry(d, today) for d in found]}
