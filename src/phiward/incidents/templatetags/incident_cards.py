"""``{% incident_response %}``: the dashboard's "Incident response" card.

Open incidents by status and every open breach-notification deadline of a signed determination,
however far off (the annual HHS log is due up to 14 months after discovery), overdue first,
with the calendar's warning levels (30, 14, 7, 1 days). Needs ``org`` and
``request.membership`` in the context; shows nothing to a role that cannot read incidents.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.db.models import Count
from django.utils import timezone

from phiward.core.permissions import Action, Area, allowed
from phiward.incidents.deadlines import incident_deadlines
from phiward.incidents.models import Incident, Status

register = template.Library()

HORIZON_DAYS = 800  # beyond any notification deadline phiward computes


@register.inclusion_tag("incidents/_dashboard_card.html", takes_context=True)
def incident_response(context: template.Context) -> dict[str, Any]:
    from phiward.calendar.deadlines import dashboard_order
    from phiward.calendar.display import entry
    from phiward.calendar.registry import EARLIEST

    org = context.get("org")
    membership = getattr(context.get("request"), "membership", None)
    if org is None or membership is None:
        return {"show": False}
    if not allowed(membership.role, Action.READ, Area.INCIDENTS):
        return {"show": False}
    today = timezone.localdate()
    open_by_status = dict(
        Incident.objects.for_org(org)
        .exclude(status=Status.CLOSED)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    found = [
        d
        for d in incident_deadlines(org, EARLIEST, today + timedelta(days=HORIZON_DAYS))
        if d.kind == "breach-obligation"
    ]
    return {
        "show": True,
        "org": org,
        "open": [(s.label, open_by_status[s.value]) for s in Status if s.value in open_by_status],
        "open_total": sum(open_by_status.values()),
        "entries": [entry(d, today) for d in dashboard_order(found, today)],
    }
