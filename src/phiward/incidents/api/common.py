"""What the incidents API's operations share: the router, the area, people named in requests,
objects looked up by id, and an incident as it answers."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import TypeVar

from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q, QuerySet
from ninja import Router

from phiward.core.apiscope import OrgScope, in_org, person_ref, renamed_problems, scoped
from phiward.core.errors import InputProblems, NotFound, Problem
from phiward.core.members import member_of
from phiward.core.models import OrgScopedModel
from phiward.core.permissions import Area
from phiward.incidents import services
from phiward.incidents.models import BreachAssessment, Incident, ObligationStatus

router = Router(tags=["incidents"])
AREA = Area.INCIDENTS
INCIDENT = "/{org}/incidents/{incident_id}"
M = TypeVar("M", bound=OrgScopedModel)
API_NAMES = {"assets": "asset_ids", "vendors": "vendor_ids", "risks": "risk_ids"}


def api_names(extra: Mapping[str, str] | None = None) -> contextlib.AbstractContextManager[None]:
    """Re-raise a service's ``InputProblems`` with the fields named as in the request."""
    return renamed_problems({**API_NAMES, **(extra or {})})


person = person_ref


def member(scope: OrgScope, username: str | None, field: str) -> User | None:
    """The member a request names by username (None: nobody); others are an input error."""
    if username is None:
        return None
    try:
        return member_of(scope.organization, username).user
    except NotFound as exc:
        raise InputProblems([Problem(str(exc), field=field)]) from exc


def named(model: type[M], scope: OrgScope, ids: Sequence[int], field: str) -> list[M]:
    """The organization's objects with these ids, in order; each unknown id is an input error."""
    wanted = list(dict.fromkeys(ids))
    found = {o.pk: o for o in scoped(model, scope).filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        label = model._meta.verbose_name
        raise InputProblems(
            [
                Problem(f"No {label} with id {pk} in this organization.", field=field)
                for pk in missing
            ]
        )
    return [found[pk] for pk in wanted]


def incidents_of(scope: OrgScope) -> QuerySet[Incident]:
    """The scope's incidents with what ``incident_out`` reads, in a fixed number of queries."""
    return (
        scoped(Incident, scope)
        .select_related("reported_by", "handler")
        .prefetch_related(
            "asset_links",
            "vendor_links",
            Prefetch(
                "assessments",
                queryset=BreachAssessment.objects.only(
                    "id", "incident_id", "number", "outcome", "signed_off_at", "superseded_by_id"
                ),
            ),
        )
        .annotate(
            open_count=Count("obligations", filter=Q(obligations__status=ObligationStatus.OPEN))
        )
    )


def incident_of(scope: OrgScope, incident_id: int) -> Incident:
    in_org(Incident, scope, incident_id)  # 404 outside the organization
    found = incidents_of(scope).filter(pk=incident_id).first()
    if found is None:  # pragma: no cover - in_org found it
        raise NotFound("incident not found")
    return found


def incident_out(incident: Incident) -> dict[str, object]:
    assessments = sorted(incident.assessments.all(), key=lambda a: a.number)
    current = next((a for a in reversed(assessments) if a.superseded_by_id is None), None)
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "number": incident.number,
        "title": incident.title,
        "description": incident.description,
        "category": incident.category,
        "severity": incident.severity,
        "status": incident.status,
        "next_statuses": services.allowed_statuses(incident),
        "reported_by": person(incident.reported_by),
        "anonymous": incident.anonymous,
        "reporter_contact": incident.reporter_contact,
        "handler": person(incident.handler),
        "occurred_at": incident.occurred_at,
        "discovered_at": incident.discovered_at,
        "reported_at": incident.reported_at,
        "phi_involved": incident.phi_involved,
        "closed_at": incident.closed_at,
        "asset_ids": sorted(link.asset_id for link in incident.asset_links.all()),
        "vendor_ids": sorted(link.vendor_id for link in incident.vendor_links.all()),
        "assessment": None
        if current is None
        else {
            "id": current.pk,
            "number": current.number,
            "outcome": current.outcome,
            "signed": current.is_signed,
        },
        "open_obligations": getattr(incident, "open_count", 0),
    }
