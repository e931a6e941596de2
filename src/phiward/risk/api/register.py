"""``/api/organizations/{org}/risk/risks/...``, ``treatments``, ``tasks``, ``plan``, ``threats``
and ``vulnerabilities``: the register, its treatments and tasks, the remediation plan and the
catalog."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
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
    scoped,
)
from phiward.core.errors import InputProblems, NotFound, Problem
from phiward.core.permissions import Action
from phiward.inventory.models import DataFlow, Vendor
from phiward.risk import services
from phiward.risk.api.common import (
    AREA,
    api_names,
    assets_named,
    in_range,
    kept,
    member,
    nullable,
    person,
    risk_of,
    risk_out,
    risks_of,
    router,
)
from phiward.risk.lookups import level_q
from phiward.risk.models import (
    Risk,
    RiskAnalysis,
    Threat,
    Treatment,
    TreatmentTask,
    Vulnerability,
)
from phiward.risk.register import KEEP
from phiward.risk.schemas import (
    NoteIn,
    PlanItemOut,
    RatingIn,
    ReasonIn,
    RiskIn,
    RiskOut,
    RiskPage,
    RiskPatch,
    RiskQuery,
    TaskIn,
    TaskOut,
    TaskPatch,
    ThreatOut,
    TreatmentIn,
    TreatmentOut,
    TreatmentPatch,
    VulnerabilityOut,
)


def _filter_risks(risks: QuerySet[Risk], query: RiskQuery) -> QuerySet[Risk]:
    if query.status is not None:
        risks = risks.filter(status=query.status)
    if query.level is not None:
        risks = risks.filter(level_q(query.level))
    if query.unrated is not None:
        unrated = Q(likelihood=None)
        risks = risks.filter(unrated) if query.unrated else risks.exclude(unrated)
    if query.needs_reassessment is not None:
        risks = risks.filter(needs_reassessment=query.needs_reassessment)
    if query.owner is not None:
        risks = risks.filter(owner__username=query.owner)
    if query.threat is not None:
        risks = risks.filter(threat__key=query.threat)
    if query.analysis_id is not None:
        risks = risks.filter(analysis_id=query.analysis_id)
    if query.q:
        risks = risks.filter(Q(title__icontains=query.q) | Q(description__icontains=query.q))
    return risks.order_by("number")


@router.get(
    "/{org}/risk/risks",
    response={200: RiskPage, **SCOPED_ERRORS},
    operation_id="list_risks",
    summary="The risk register, by R-number, filtered and paginated",
)
def list_risks(request: HttpRequest, org: str, query: Query[RiskQuery]) -> dict[str, Any]:
    scope = org_scope(request, org, Action.READ, AREA)
    return page_of(_filter_risks(risks_of(scope), query), query, risk_out)


@router.post(
    "/{org}/risk/risks",
    response={201: RiskOut, **WRITE_ERRORS},
    operation_id="create_risk",
    summary="Add a risk by hand (threat and vulnerability from the catalog), rated or not",
)
def create_risk(request: HttpRequest, org: str, payload: RiskIn) -> Status[dict[str, Any]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    if payload.analysis_id is not None:
        analysis = reference(RiskAnalysis, scope, payload.analysis_id, "analysis_id")
    else:
        latest = services.latest_analysis(scope.organization)
        if latest is None:
            raise InputProblems(
                [Problem("start a risk analysis first: there is none", field="analysis_id")]
            )
        analysis = latest
    vendor = reference(Vendor, scope, payload.vendor_id, "vendor_id") if payload.vendor_id else None
    flow = (
        reference(DataFlow, scope, payload.data_flow_id, "data_flow_id")
        if payload.data_flow_id
        else None
    )
    with api_names():
        risk = services.add_risk(
            analysis,
            scope.user,
            title=payload.title,
            threat=payload.threat,
            vulnerability=payload.vulnerability,
            description=payload.description,
            assets=assets_named(scope, payload.asset_ids),
            vendor=vendor,
            data_flow=flow,
            current_controls=payload.current_controls,
            likelihood=payload.likelihood,
            impact=payload.impact,
            residual_likelihood=payload.residual_likelihood,
            residual_impact=payload.residual_impact,
            owner=member(scope, payload.owner),
        )
    return Status(201, risk_out(risk_of(scope, risk.pk)))


@router.get(
    "/{org}/risk/risks/{risk_id}",
    response={200: RiskOut, **SCOPED_ERRORS},
    operation_id="get_risk",
    summary="One risk with its ratings and open reasons to re-assess it",
)
def get_risk(request: HttpRequest, org: str, risk_id: int) -> dict[str, Any]:
    scope = org_scope(request, org, Action.READ, AREA)
    return risk_out(risk_of(scope, risk_id))


@router.patch(
    "/{org}/risk/risks/{risk_id}",
    response={200: RiskOut, **WRITE_ERRORS},
    operation_id="update_risk",
    summary="Change a risk's words, owner (null: none) or linked assets; ratings: PUT rating",
)
def update_risk(request: HttpRequest, org: str, risk_id: int, payload: RiskPatch) -> dict[str, Any]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    risk = risk_of(scope, risk_id)
    sent = payload.model_fields_set
    with api_names():
        services.update_risk(
            risk,
            scope.user,
            title=payload.title if payload.title is not None else KEEP,
            description=payload.description if payload.description is not None else KEEP,
            current_controls=payload.current_controls
            if payload.current_controls is not None
            else KEEP,
            owner=member(scope, payload.owner) if "owner" in sent else KEEP,
            assets=assets_named(scope, payload.asset_ids)
            if payload.asset_ids is not None
            else KEEP,
        )
    return risk_out(risk_of(scope, risk_id))


@router.put(
    "/{org}/risk/risks/{risk_id}/rating",
    response={200: RiskOut, **WRITE_ERRORS},
    operation_id="rate_risk",
    summary="Rate (or re-rate) a risk on its analysis's method; resolves its reasons to "
    "re-assess it",
)
def rate_risk(request: HttpRequest, org: str, risk_id: int, payload: RatingIn) -> dict[str, Any]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    risk = risk_of(scope, risk_id)
    sent = payload.model_fields_set
    services.rate_risk(
        risk,
        scope.user,
        likelihood=payload.likelihood,
        impact=payload.impact,
        residual_likelihood=payload.residual_likelihood,
        residual_impact=payload.residual_impact,
        current_controls=payload.current_controls if payload.current_controls is not None else KEEP,
        owner=member(scope, payload.owner) if "owner" in sent else KEEP,
    )
    return risk_out(risk_of(scope, risk_id))


@router.post(
    "/{org}/risk/risks/{risk_id}/confirm",
    response={200: RiskOut, **WRITE_ERRORS},
    operation_id="confirm_risk_rating",
    summary="The risk's rating stands: resolve its reasons to re-assess it",
)
def confirm_risk(request: HttpRequest, org: str, risk_id: int, payload: NoteIn) -> dict[str, Any]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    services.confirm_risk(risk_of(scope, risk_id), scope.user, payload.note)
    return risk_out(risk_of(scope, risk_id))


@router.post(
    "/{org}/risk/risks/{risk_id}/close",
    response={200: RiskOut, **WRITE_ERRORS},
    operation_id="close_risk",
    summary="Close a risk, with the reason",
)
def close_risk(request: HttpRequest, org: str, risk_id: int, payload: ReasonIn) -> dict[str, Any]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    services.close_risk(risk_of(scope, risk_id), scope.user, payload.reason)
    return risk_out(risk_of(scope, risk_id))


@router.post(
    "/{org}/risk/risks/{risk_id}/reopen",
    response={200: RiskOut, **WRITE_ERRORS},
    operation_id="reopen_risk",
    summary="Re-open a closed risk, with the reason; it needs re-assessment",
)
def reopen_risk(request: HttpRequest, org: str, risk_id: int, payload: ReasonIn) -> dict[str, Any]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    services.reopen_risk(risk_of(scope, risk_id), scope.user, payload.reason)
    return risk_out(risk_of(scope, risk_id))


# --- treatments and tasks -----------------------------------------------------------------------


def _task_out(task: TreatmentTask) -> dict[str, Any]:
    return {
        "id": task.pk,
        "treatment_id": task.treatment_id,
        "title": task.title,
        "owner": person(task.owner),
        "due_on": task.due_on,
        "done_on": task.done_on,
        "overdue": task.is_overdue(),
    }


def _treatments(scope: OrgScope) -> QuerySet[Treatment]:
    return (
        scoped(Treatment, scope)
        .select_related("owner", "approved_by")
        .prefetch_related(Prefetch("tasks", queryset=TreatmentTask.objects.select_related("owner")))
    )


def _treatment_out(treatment: Treatment) -> dict[str, Any]:
    return {
        "id": treatment.pk,
        "risk_id": treatment.risk_id,
        "strategy": treatment.strategy,
        "description": treatment.description,
        "owner": person(treatment.owner),
        "due_on": treatment.due_on,
        "status": treatment.status,
        "completed_on": treatment.completed_on,
        "spec_ids": list(treatment.spec_ids),
        "justification": treatment.justification,
        "expires_on": treatment.expires_on,
        "approved_by": person(treatment.approved_by),
        "approved_at": treatment.approved_at,
        "counterparty": treatment.counterparty,
        "overdue": treatment.is_overdue(),
        "acceptance_effective": treatment.acceptance_effective(),
        "tasks": [_task_out(t) for t in treatment.tasks.all()],
    }


def _treatment(scope: OrgScope, treatment_id: int) -> Treatment:
    found = _treatments(scope).filter(pk=treatment_id).first() if in_range(treatment_id) else None
    if found is None:
        raise NotFound("treatment not found")
    return found


@router.get(
    "/{org}/risk/risks/{risk_id}/treatments",
    response={200: list[TreatmentOut], **SCOPED_ERRORS},
    operation_id="list_risk_treatments",
    summary="A risk's treatments with their tasks",
)
def list_treatments(request: HttpRequest, org: str, risk_id: int) -> list[dict[str, Any]]:
    scope = org_scope(request, org, Action.READ, AREA)
    risk = in_org(Risk, scope, risk_id)
    return [_treatment_out(t) for t in _treatments(scope).filter(risk=risk).order_by("pk")]


@router.post(
    "/{org}/risk/risks/{risk_id}/treatments",
    response={201: TreatmentOut, **WRITE_ERRORS},
    operation_id="create_risk_treatment",
    summary="Treat a risk: mitigate, accept (then approve), transfer or avoid",
)
def create_treatment(
    request: HttpRequest, org: str, risk_id: int, payload: TreatmentIn
) -> Status[dict[str, Any]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    risk = in_org(Risk, scope, risk_id)
    treatment = services.add_treatment(
        risk,
        scope.user,
        strategy=payload.strategy,
        description=payload.description,
        owner=member(scope, payload.owner),
        due_on=payload.due_on,
        status=payload.status,
        spec_ids=payload.spec_ids,
        justification=payload.justification,
        expires_on=payload.expires_on,
        counterparty=payload.counterparty,
    )
    return Status(201, _treatment_out(_treatment(scope, treatment.pk)))


@router.patch(
    "/{org}/risk/treatments/{treatment_id}",
    response={200: TreatmentOut, **WRITE_ERRORS},
    operation_id="update_risk_treatment",
    summary="Change a treatment (null clears owner, due date, expiry); changing an approved "
    "acceptance withdraws its approval",
)
def update_treatment(
    request: HttpRequest, org: str, treatment_id: int, payload: TreatmentPatch
) -> dict[str, Any]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    treatment = _treatment(scope, treatment_id)
    sent = payload.model_fields_set
    services.update_treatment(
        treatment,
        scope.user,
        strategy=kept(payload, "strategy"),
        description=kept(payload, "description"),
        owner=member(scope, payload.owner) if "owner" in sent else KEEP,
        due_on=nullable(payload, "due_on"),
        status=kept(payload, "status"),
        spec_ids=kept(payload, "spec_ids"),
        justification=kept(payload, "justification"),
        expires_on=nullable(payload, "expires_on"),
        counterparty=kept(payload, "counterparty"),
    )
    return _treatment_out(_treatment(scope, treatment_id))


@router.post(
    "/{org}/risk/treatments/{treatment_id}/approve",
    response={200: TreatmentOut, **WRITE_ERRORS},
    operation_id="approve_risk_acceptance",
    summary="Sign off a risk acceptance (approvers only); it is effective until it expires",
)
def approve_acceptance(request: HttpRequest, org: str, treatment_id: int) -> dict[str, Any]:
    scope = org_scope(request, org, Action.APPROVE, AREA)
    services.approve_acceptance(_treatment(scope, treatment_id), scope.user)
    return _treatment_out(_treatment(scope, treatment_id))


@router.post(
    "/{org}/risk/treatments/{treatment_id}/tasks",
    response={201: TaskOut, **WRITE_ERRORS},
    operation_id="create_risk_task",
    summary="Add a task to a treatment",
)
def create_task(
    request: HttpRequest, org: str, treatment_id: int, payload: TaskIn
) -> Status[dict[str, Any]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    treatment = in_org(Treatment, scope, treatment_id)
    task = services.add_task(
        treatment,
        scope.user,
        title=payload.title,
        owner=member(scope, payload.owner),
        due_on=payload.due_on,
    )
    return Status(201, _task_out(task))


@router.patch(
    "/{org}/risk/tasks/{task_id}",
    response={200: TaskOut, **WRITE_ERRORS},
    operation_id="update_risk_task",
    summary="Change a task or mark it done (done_on); null clears owner, due date, done",
)
def update_task(request: HttpRequest, org: str, task_id: int, payload: TaskPatch) -> dict[str, Any]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    task = in_org(TreatmentTask, scope, task_id)
    sent = payload.model_fields_set
    task = services.update_task(
        task,
        scope.user,
        title=payload.title if payload.title is not None else KEEP,
        owner=member(scope, payload.owner) if "owner" in sent else KEEP,
        due_on=payload.due_on if "due_on" in sent else KEEP,
        done_on=payload.done_on if "done_on" in sent else KEEP,
    )
    return _task_out(task)


# --- the plan and the catalog -------------------------------------------------------------------


@router.get(
    "/{org}/risk/plan",
    response={200: list[PlanItemOut], **SCOPED_ERRORS},
    operation_id="get_remediation_plan",
    summary="Open risks in the order to treat them: level, ePHI volume, clinical criticality",
)
def get_plan(request: HttpRequest, org: str) -> list[dict[str, Any]]:
    scope = org_scope(request, org, Action.READ, AREA)
    return [
        {
            "risk_id": item.risk_id,
            "reference": item.reference,
            "title": item.title,
            "level": item.level,
            "residual": item.residual,
            "record_count": item.record_count,
            "criticality": item.criticality,
            "owner": item.owner,
            "open_treatments": item.open_treatments,
            "overdue_treatments": item.overdue_treatments,
        }
        for item in services.remediation_plan(scope.organization)
    ]


@router.get(
    "/{org}/risk/threats",
    response={200: list[ThreatOut], **SCOPED_ERRORS},
    operation_id="list_risk_threats",
    summary="The organization's threat catalog (keys name threats in other operations)",
)
def list_threats(request: HttpRequest, org: str) -> list[Threat]:
    scope = org_scope(request, org, Action.READ, AREA)
    return list(scoped(Threat, scope).order_by("name"))


@router.get(
    "/{org}/risk/vulnerabilities",
    response={200: list[VulnerabilityOut], **SCOPED_ERRORS},
    operation_id="list_risk_vulnerabilities",
    summary="The organization's vulnerability catalog",
)
def list_vulnerabilities(request: HttpRequest, org: str) -> list[Vulnerability]:
    scope = org_scope(request, org, Action.READ, AREA)
    return list(scoped(Vulnerability, scope).order_by("name"))
