"""An incident's breach assessments, obligations, affected individuals and notice drafts; the
organization's notice contact details and the annual HHS log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Query, Status
from ninja.files import UploadedFile

from phiward.core.apiscope import (
    SCOPED_ERRORS,
    WRITE_ERRORS,
    OrgScope,
    in_org,
    org_scope,
    reference,
)
from phiward.core.errors import InputProblems, NotFound, Problem
from phiward.core.permissions import Action
from phiward.evidence.models import EvidenceItem
from phiward.incidents import services
from phiward.incidents.api.common import AREA, INCIDENT, api_names, person, router
from phiward.incidents.models import (
    AffectedCount,
    AffectedIndividuals,
    BreachAssessment,
    Incident,
    Obligation,
)
from phiward.incidents.schemas import (
    AffectedIn,
    AffectedOut,
    AssessmentIn,
    AssessmentOut,
    HhsLogOut,
    HhsLogQuery,
    NoticeDraftsOut,
    NoticeSettingsIO,
    NoticeTextIO,
    NotRequiredIn,
    ObligationOut,
    SentIn,
)

ASSESSMENT = f"{INCIDENT}/assessments/{{assessment_id}}"
OBLIGATION = f"{INCIDENT}/obligations/{{obligation_id}}"
CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}


def _assessment_out(a: BreachAssessment) -> dict[str, object]:
    return {
        "id": a.pk,
        "number": a.number,
        "outcome": a.outcome,
        "notification_required": a.notification_required,
        "discovered_on": a.discovered_on,
        "engine_version": a.engine_version,
        "digest": a.digest,
        "verified": a.verify(),
        "created_at": a.created_at,
        "created_by": person(a.created_by),
        "signed_off_at": a.signed_off_at,
        "signed_off_by": person(a.signed_off_by),
        "signed_by_author": a.signed_by_author,
        "superseded_by_id": a.superseded_by_id,
        "current": a.superseded_by_id is None,
        "facts": a.facts,
        "result": a.result,
    }


def _assessment(scope: OrgScope, incident_id: int, assessment_id: int) -> BreachAssessment:
    incident = in_org(Incident, scope, incident_id)
    found = in_org(BreachAssessment, scope, assessment_id)
    if found.incident_id != incident.pk:
        raise NotFound("breach assessment not found")
    return found


@router.get(
    f"{INCIDENT}/assessments",
    response={200: list[AssessmentOut], **SCOPED_ERRORS},
    operation_id="list_breach_assessments",
    summary="The incident's breach assessments, newest first (superseded ones kept)",
)
def list_breach_assessments(
    request: HttpRequest, org: str, incident_id: int
) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, AREA)
    incident = in_org(Incident, scope, incident_id)
    found = BreachAssessment.objects.filter(incident=incident).select_related(
        "created_by", "signed_off_by"
    )
    return [_assessment_out(a) for a in found.order_by("-number")]


@router.post(
    f"{INCIDENT}/assessments",
    response={201: AssessmentOut, **WRITE_ERRORS},
    operation_id="create_breach_assessment",
    summary="Run the breach engine on a facts document: an unsigned, current assessment "
    "(problems name the facts' field paths)",
)
def create_breach_assessment(
    request: HttpRequest, org: str, incident_id: int, payload: AssessmentIn
) -> Status[dict[str, object]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    incident = in_org(Incident, scope, incident_id)
    try:
        assessment = services.assess(incident, payload.facts, scope.user)
    except InputProblems as exc:  # the facts' paths, under the body's "facts"
        raise InputProblems(
            [Problem(p.message, None, p.row, f"facts.{p.field}" if p.field else "facts")
             for p in exc.problems]
        ) from exc  # fmt: skip
    return Status(201, _assessment_out(assessment))


@router.get(
    ASSESSMENT,
    response={200: AssessmentOut, **SCOPED_ERRORS},
    operation_id="get_breach_assessment",
    summary="One assessment: facts, the engine's reasoning with citations, its obligations",
)
def get_breach_assessment(
    request: HttpRequest, org: str, incident_id: int, assessment_id: int
) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    return _assessment_out(_assessment(scope, incident_id, assessment_id))


@router.post(
    f"{ASSESSMENT}/sign",
    response={200: AssessmentOut, **WRITE_ERRORS},
    operation_id="sign_breach_assessment",
    summary="Sign the determination off (approve): it is frozen and its obligations created",
)
def sign_breach_assessment(
    request: HttpRequest, org: str, incident_id: int, assessment_id: int
) -> dict[str, object]:
    scope = org_scope(request, org, Action.APPROVE, AREA)
    assessment = _assessment(scope, incident_id, assessment_id)
    return _assessment_out(services.sign_off(assessment, scope.user))


def _obligation_out(o: Obligation) -> dict[str, object]:
    return {
        "id": o.pk,
        "assessment_id": o.assessment_id,
        "key": o.key,
        "recipient": o.recipient,
        "title": o.title,
        "due_on": o.due_on,
        "citation": o.citation,
        "description": o.description,
        "basis": o.basis,
        "delayed_until": o.delayed_until,
        "state": o.state,
        "status": o.status,
        "done_on": o.done_on,
        "method": o.method or None,
        "evidence_id": o.evidence_id,
        "evidence_sha256": o.evidence_sha256,
        "notes": o.notes,
        "closed_by": person(o.closed_by),
        "closed_at": o.closed_at,
    }


def _obligation(scope: OrgScope, incident_id: int, obligation_id: int) -> Obligation:
    incident = in_org(Incident, scope, incident_id)
    found = in_org(Obligation, scope, obligation_id)
    if found.incident_id != incident.pk:
        raise NotFound("obligation not found")
    return found


@router.get(
    f"{INCIDENT}/obligations",
    response={200: list[ObligationOut], **SCOPED_ERRORS},
    operation_id="list_incident_obligations",
    summary="The obligations of the incident's signed determinations, by due date",
)
def list_incident_obligations(
    request: HttpRequest, org: str, incident_id: int
) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, AREA)
    incident = in_org(Incident, scope, incident_id)
    found = Obligation.objects.filter(incident=incident).select_related("closed_by")
    return [_obligation_out(o) for o in found.order_by("due_on", "pk")]


@router.post(
    f"{OBLIGATION}/sent",
    response={200: ObligationOut, **WRITE_ERRORS},
    operation_id="record_obligation_sent",
    summary="Record the notice as sent (date, method, evidence): closes the obligation",
)
def record_obligation_sent(
    request: HttpRequest, org: str, incident_id: int, obligation_id: int, payload: SentIn
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    obligation = _obligation(scope, incident_id, obligation_id)
    evidence = (
        reference(EvidenceItem, scope, payload.evidence_id, "evidence_id")
        if payload.evidence_id
        else None
    )
    with api_names({"evidence": "evidence_id"}):
        done = services.record_sent(
            obligation,
            scope.user,
            sent_on=payload.sent_on,
            method=payload.method,
            evidence=evidence,
            notes=payload.notes,
        )
    return _obligation_out(done)


@router.post(
    f"{OBLIGATION}/not-required",
    response={200: ObligationOut, **WRITE_ERRORS},
    operation_id="mark_obligation_not_required",
    summary="Close an obligation that does not apply after all, with the reason",
)
def mark_obligation_not_required(
    request: HttpRequest, org: str, incident_id: int, obligation_id: int, payload: NotRequiredIn
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    obligation = _obligation(scope, incident_id, obligation_id)
    return _obligation_out(
        services.mark_not_required(obligation, scope.user, reason=payload.reason)
    )


def _affected_out(incident: Incident) -> dict[str, object]:
    info = AffectedIndividuals.objects.filter(incident=incident).first()
    return {
        "source": info.source if info else "none",
        "estimated": bool(info and info.estimated),
        "list_name": info.list_name if info else "",
        "list_rows": info.list_rows if info else None,
        "list_sha256": info.list_sha256 if info else "",
        "counts": [
            {
                "state": c.state,
                "individuals": c.individuals,
                "next_of_kin_known": c.next_of_kin_known,
                "next_of_kin_unknown": c.next_of_kin_unknown,
                "insufficient_contact": c.insufficient_contact,
            }
            for c in AffectedCount.objects.filter(incident=incident)
        ],
        "individuals": services.individuals_facts(incident),
    }


@router.get(
    f"{INCIDENT}/affected",
    response={200: AffectedOut, **SCOPED_ERRORS},
    operation_id="get_incident_affected",
    summary="Affected individuals per State (counts only; uploaded lists are not kept)",
)
def get_incident_affected(request: HttpRequest, org: str, incident_id: int) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    return _affected_out(in_org(Incident, scope, incident_id))


@router.put(
    f"{INCIDENT}/affected",
    response={200: AffectedOut, **WRITE_ERRORS},
    operation_id="put_incident_affected",
    summary="Replace the per-State counts",
)
def put_incident_affected(
    request: HttpRequest, org: str, incident_id: int, payload: AffectedIn
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    counts = [
        services.StateCount(
            c.state, c.individuals, c.next_of_kin_known, c.next_of_kin_unknown,
            c.insufficient_contact,
        )
        for c in payload.counts
    ]  # fmt: skip
    services.set_affected_counts(incident, scope.user, counts, estimated=payload.estimated)
    return _affected_out(incident)


@router.post(
    f"{INCIDENT}/affected/list",
    response={200: AffectedOut, **WRITE_ERRORS},
    operation_id="upload_incident_affected_list",
    summary="Upload a CSV list (state, deceased y/n, contact_ok y/n): summarised into counts "
    "per State; the rows are not kept (multipart/form-data)",
)
def upload_incident_affected_list(
    request: HttpRequest, org: str, incident_id: int, file: File[UploadedFile]
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    data = file.read()
    services.upload_affected_list(incident, scope.user, data, name=file.name or "list.csv")
    return _affected_out(incident)


def _text_out(incident: Incident) -> dict[str, object]:
    words = services.notice_text(incident)
    return {
        "what_happened": words.what_happened,
        "phi_types": list(words.phi_types),
        "steps_for_individuals": words.steps_for_individuals,
        "what_we_are_doing": words.what_we_are_doing,
    }


@router.get(
    f"{INCIDENT}/notices",
    response={200: NoticeDraftsOut, **WRITE_ERRORS},
    operation_id="get_incident_notices",
    summary="Drafts of every notice the determination in force needs, what is still missing, "
    "and the HHS portal's fields",
)
def get_incident_notices(request: HttpRequest, org: str, incident_id: int) -> dict[str, Any]:
    scope = org_scope(request, org, Action.READ, AREA)
    incident = in_org(Incident, scope, incident_id)
    drafts = services.notice_drafts(incident)
    return {
        "assessment_id": drafts.assessment.pk,
        "signed": drafts.signed,
        "text": _text_out(incident),
        "missing": [{"field": p.field, "message": p.message} for p in drafts.problems],
        "notices": [
            {
                "key": d.key,
                "kind": d.notice.kind,
                "title": d.notice.title,
                "body": d.notice.body,
                "elements": [
                    {"element_id": e.element_id, "label": e.label, "text": e.text}
                    for e in d.notice.elements
                ],
                "instructions": list(d.notice.instructions),
            }
            for d in drafts.drafts
        ],
        "hhs_portal": [
            {
                "key": f.key,
                "section": f.section,
                "label": f.label,
                "value": f.value,
                "required": f.required,
                "missing": f.missing,
            }
            for f in drafts.portal
        ],
    }


@router.put(
    f"{INCIDENT}/notice-text",
    response={200: NoticeTextIO, **WRITE_ERRORS},
    operation_id="update_incident_notice_text",
    summary="What the incident's notices say, in plain language",
)
def update_incident_notice_text(
    request: HttpRequest, org: str, incident_id: int, payload: NoticeTextIO
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    services.update_notice_text(incident, scope.user, **payload.model_dump())
    return _text_out(incident)


def _settings_out(scope: OrgScope) -> dict[str, object]:
    s = services.notice_settings(scope.organization)
    return {
        "contact_toll_free": s.contact_toll_free,
        "contact_email": s.contact_email,
        "contact_website": s.contact_website,
        "contact_address": s.contact_address,
    }


@router.get(
    "/{org}/incident-notice-settings",
    response={200: NoticeSettingsIO, **SCOPED_ERRORS},
    operation_id="get_incident_notice_settings",
    summary="How affected individuals can reach the organization (164.404(c)(1)(E))",
)
def get_incident_notice_settings(request: HttpRequest, org: str) -> dict[str, object]:
    return _settings_out(org_scope(request, org, Action.READ, AREA))


@router.put(
    "/{org}/incident-notice-settings",
    response={200: NoticeSettingsIO, **WRITE_ERRORS},
    operation_id="update_incident_notice_settings",
    summary="Set the contact details every notice gives",
)
def update_incident_notice_settings(
    request: HttpRequest, org: str, payload: NoticeSettingsIO
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    services.update_notice_settings(scope.organization, scope.user, **payload.model_dump())
    return _settings_out(scope)


def _year(query: HhsLogQuery) -> int:
    return query.year if query.year is not None else timezone.localdate().year - 1


@router.get(
    "/{org}/incidents/hhs-log",
    response={200: HhsLogOut, **SCOPED_ERRORS},
    operation_id="get_hhs_annual_log",
    summary="The annual log of breaches under 500 discovered in a year (164.408(c))",
)
def get_hhs_annual_log(request: HttpRequest, org: str, query: Query[HhsLogQuery]) -> dict[str, Any]:
    from phiward.breach.hhs_log import log_rows, submission_due

    scope = org_scope(request, org, Action.EXPORT, AREA)
    year = _year(query)
    entries = services.annual_log_entries(scope.organization, year)
    rows = log_rows(entries)
    services.record_log_export(scope.organization, year, len(entries), "api")
    return {
        "year": year,
        "submission_due": submission_due(year),
        "entries": [
            {
                "reference": e.reference,
                "discovered_on": e.discovered_on,
                "individuals": e.individuals,
                "cells": row,
            }
            for e, row in zip(entries, rows, strict=True)
        ],
    }


@router.get(
    "/{org}/incidents/hhs-log/csv",
    response={**SCOPED_ERRORS},
    operation_id="download_hhs_annual_log",
    summary="The annual log as CSV",
    openapi_extra={"responses": {"200": {"description": "The log", "content": CSV_CONTENT}}},
)
def download_hhs_annual_log(
    request: HttpRequest, org: str, query: Query[HhsLogQuery]
) -> HttpResponse:
    from phiward.breach.hhs_log import log_csv

    scope = org_scope(request, org, Action.EXPORT, AREA)
    year = _year(query)
    entries = services.annual_log_entries(scope.organization, year)
    services.record_log_export(scope.organization, year, len(entries), "api")
    response = HttpResponse(log_csv(entries), content_type="text/csv; charset=utf-8")
    name = f"{scope.organization.slug}-hhs-breach-log-{year}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
