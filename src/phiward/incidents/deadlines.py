"""The incidents app's deadlines for the program calendar (``phiward.calendar``).

Breach-notification obligations of signed determinations with a due date (kind
``breach-obligation``), and follow-up actions of post-incident reviews with a due date (kind
``incident-follow-up``), done ones too (marked ``done``). Titles name the incident's reference
and the obligation, never the incident's description. Registered in ``IncidentsConfig.ready``
when the calendar app is installed; without it the incidents app works the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse

from phiward.core.models import Organization
from phiward.core.permissions import Area
from phiward.incidents.models import FollowUpAction, Incident, Obligation, ObligationStatus

if TYPE_CHECKING:
    from phiward.calendar import Deadline


def incident_url(organization: Organization, incident_pk: int) -> str:
    """The incident's web page (``incidents:detail``), or its conventional path before the
    web app defines it."""
    try:
        return reverse("incidents:detail", kwargs={"org": organization.slug, "pk": incident_pk})
    except NoReverseMatch:
        return f"/o/{organization.slug}/incidents/{incident_pk}/"


def incident_deadlines(
    organization: Organization, start: dt.date, end: dt.date
) -> Iterator[Deadline]:
    """The calendar's provider: ``Deadline`` values due between ``start`` and ``end``."""
    from phiward.calendar import Deadline

    obligations = (
        Obligation.objects.for_org(organization)
        .filter(due_on__gte=start, due_on__lte=end)
        .exclude(status=ObligationStatus.NOT_REQUIRED)
        .select_related("incident")
        .order_by("due_on", "pk")
    )
    for o in obligations:
        assert o.due_on is not None
        yield Deadline(
            organization_id=organization.pk,
            due_on=o.due_on,
            title=f"{o.incident.reference}: {o.title}",
            area=Area.INCIDENTS,
            url=incident_url(organization, o.incident_id),
            citation=o.citation,
            kind="breach-obligation",
            done=o.status == ObligationStatus.DONE,
            key=f"{o.incident.uid}:{o.key}",
            detail=o.basis[:300],
        )
    follow_ups = (
        FollowUpAction.objects.for_org(organization)
        .filter(due_on__gte=start, due_on__lte=end)
        .select_related("incident")
        .order_by("due_on", "pk")
    )
    for f in follow_ups:
        assert f.due_on is not None
        incident: Incident = f.incident
        yield Deadline(
            organization_id=organization.pk,
            due_on=f.due_on,
            title=f"{incident.reference} follow-up: {f.title}",
            area=Area.INCIDENTS,
            url=incident_url(organization, incident.pk),
            citation="45 CFR 164.308(a)(6)(ii)",
            kind="incident-follow-up",
            done=f.done_at is not None,
            key=str(f.uid),
        )


def register_with_calendar() -> None:
    """Register the provider when ``phiward.calendar`` is there (a no-op otherwise)."""
    try:
        from phiward.calendar import register
    except ImportError:
        return
    register(incident_deadlines)
