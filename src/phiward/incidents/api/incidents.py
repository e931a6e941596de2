"""``/api/organizations/{org}/incidents`` and ``.../{incident_id}``: the intake, the list, one
incident, triage changes, status changes and the timeline."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Status

from phiward.core.apiscope import (
    SCOPED_ERRORS,
    WRITE_ERRORS,
    OrgScope,
    in_org,
    org_scope,
    page_of,
    reference,
    token_credential,
)
from phiward.core.errors import InputProblems, Problem
from phiward.core.permissions import Action, Area, allowed
from phiward.evidence.models import EvidenceItem
from phiward.incidents import services
from phiward.incidents.api.common import (
    AREA,
    INCIDENT,
    api_names,
    incident_of,
    incident_out,
    incidents_of,
    member,
    named,
    router,
)
from phiward.incidents.models import Incident, TimelineEntry
from phiward.incidents.models import Status as IncidentStatus
from phiward.incidents.schemas import (
    IncidentIn,
    IncidentOut,
    IncidentPage,
    IncidentPatch,
    IncidentQuery,
    IncidentReceiptOut,
    StatusIn,
    TimelineEntryIn,
    TimelineEntryOut,
)
from phiward.inventory.models import Asset, Vendor


def _filter(incidents: QuerySet[Incident], query: IncidentQuery) -> QuerySet[Incident]:
    if query.status is not None:
        incidents = incidents.filter(status=query.status)
    if query.category is not None:
        incidents = incidents.filter(category=query.category)
    if query.severity is not None:
        incidents = incidents.filter(severity=query.severity)
    if query.open is not None:
        closed = {"status": IncidentStatus.CLOSED}
        incidents = incidents.exclude(**closed) if query.open else incidents.filter(**closed)
    if query.q:
        incidents = incidents.filter(title__icontains=query.q)
    return incidents.order_by("-number")


@router.get(
    "/{org}/incidents",
    response={200: IncidentPage, **SCOPED_ERRORS},
    operation_id="list_incidents",
    summary="The incidents, newest first, filtered and paginated",
)
def list_incidents(request: HttpRequest, org: str, query: Query[IncidentQuery]) -> dict[str, Any]:
    scope = org_scope(request, org, Action.READ, AREA)
    return page_of(_filter(incidents_of(scope), query), query, incident_out)


def _may_read_inventory(request: HttpRequest, scope: OrgScope) -> bool:
    credential = token_credential(request)
    if credential is not None and not allowed(credential.role, Action.READ, Area.INVENTORY):
        return False
    return allowed(scope.membership.role, Action.READ, Area.INVENTORY)


@router.post(
    "/{org}/incidents",
    response={201: IncidentReceiptOut, **WRITE_ERRORS},
    operation_id="create_incident",
    summary="Report an incident (any member, workforce included; anonymous allowed)",
)
def create_incident(request: HttpRequest, org: str, payload: IncidentIn) -> Status[dict[str, Any]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    if (payload.asset_ids or payload.vendor_ids) and not _may_read_inventory(request, scope):
        field = "asset_ids" if payload.asset_ids else "vendor_ids"
        raise InputProblems(
            [
                Problem(
                    "your role cannot see the inventory: describe the systems instead", field=field
                )
            ]
        )
    report = services.Report(
        title=payload.title,
        description=payload.description,
        category=payload.category,
        severity=payload.severity,
        occurred_at=payload.occurred_at,
        discovered_at=payload.discovered_at,
        phi_involved=payload.phi_involved,
        reporter_contact=payload.reporter_contact,
        assets=named(Asset, scope, payload.asset_ids, "asset_ids"),
        vendors=named(Vendor, scope, payload.vendor_ids, "vendor_ids"),
    )
    with api_names():
        incident = services.report(
            scope.organization, report, reporter=scope.user, anonymous=payload.anonymous
        )
    return Status(
        201,
        {
            "id": incident.pk,
            "reference": incident.reference,
            "status": incident.status,
            "reported_at": incident.reported_at,
            "anonymous": incident.anonymous,
        },
    )


@router.get(
    INCIDENT,
    response={200: IncidentOut, **SCOPED_ERRORS},
    operation_id="get_incident",
    summary="One incident",
)
def get_incident(request: HttpRequest, org: str, incident_id: int) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    return incident_out(incident_of(scope, incident_id))


@router.patch(
    INCIDENT,
    response={200: IncidentOut, **WRITE_ERRORS},
    operation_id="update_incident",
    summary="Triage: change the title, description, category, severity, handler (null: "
    "nobody), times, PHI involvement, systems or vendors",
)
def update_incident(
    request: HttpRequest, org: str, incident_id: int, payload: IncidentPatch
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    sent = payload.model_fields_set
    changes: dict[str, Any] = {}
    for name in ("title", "description", "category", "severity", "phi_involved"):
        value = getattr(payload, name)
        if name in sent and value is not None:
            changes[name] = value
    for name in ("occurred_at", "discovered_at"):
        if name in sent:
            changes[name] = getattr(payload, name)
    if "handler" in sent:
        changes["handler"] = member(scope, payload.handler, "handler")
    if payload.asset_ids is not None:
        changes["assets"] = named(Asset, scope, payload.asset_ids, "asset_ids")
    if payload.vendor_ids is not None:
        changes["vendors"] = named(Vendor, scope, payload.vendor_ids, "vendor_ids")
    with api_names():
        services.update_triage(incident, scope.user, **changes)
    return incident_out(incident_of(scope, incident_id))


@router.post(
    f"{INCIDENT}/status",
    response={200: IncidentOut, **WRITE_ERRORS},
    operation_id="change_incident_status",
    summary="Move the incident forward (reopen a closed one to triage, with a reason)",
)
def change_incident_status(
    request: HttpRequest, org: str, incident_id: int, payload: StatusIn
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    services.change_status(incident, payload.status, scope.user, reason=payload.reason)
    return incident_out(incident_of(scope, incident_id))


def _entry_out(entry: TimelineEntry) -> dict[str, object]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "at": entry.at,
        "author": entry.author_name,
        "text": entry.text,
        "evidence_id": entry.evidence_id,
        "evidence_sha256": entry.evidence_sha256,
    }


@router.get(
    f"{INCIDENT}/timeline",
    response={200: list[TimelineEntryOut], **SCOPED_ERRORS},
    operation_id="list_incident_timeline",
    summary="The incident's timeline, oldest first",
)
def list_incident_timeline(
    request: HttpRequest, org: str, incident_id: int
) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, AREA)
    incident = in_org(Incident, scope, incident_id)
    return [_entry_out(e) for e in TimelineEntry.objects.filter(incident=incident)]


@router.post(
    f"{INCIDENT}/timeline",
    response={201: TimelineEntryOut, **WRITE_ERRORS},
    operation_id="add_incident_timeline_entry",
    summary="Add an action, decision, communication, note or evidence (entries never change)",
)
def add_incident_timeline_entry(
    request: HttpRequest, org: str, incident_id: int, payload: TimelineEntryIn
) -> Status[dict[str, object]]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    evidence = (
        reference(EvidenceItem, scope, payload.evidence_id, "evidence_id")
        if payload.evidence_id
        else None
    )
    with api_names({"evidence": "evidence_id"}):
        entry = services.add_timeline_entry(
            incident,
            scope.user,
            kind=payload.kind,
            text_=payload.text,
            at=payload.at,
            evidence=evidence,
        )
    return Status(201, _entry_out(entry))
