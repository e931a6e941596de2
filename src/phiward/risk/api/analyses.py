"""``/api/organizations/{org}/risk/analyses/...`` and ``.../risk/proposals/...``: analyses,
questionnaire answers, proposals, approval, versions and diffs, heat maps."""

from __future__ import annotations

from collections.abc import Sequence
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
    scoped,
)
from phiward.core.errors import NotFound
from phiward.core.permissions import Action
from phiward.risk import questionnaire, services
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
    router,
)
from phiward.risk.models import (
    AnalysisVersion,
    QuestionAnswer,
    Risk,
    RiskAnalysis,
    RiskProposal,
)
from phiward.risk.register import KEEP
from phiward.risk.schemas import (
    AcceptIn,
    AnalysisDetailOut,
    AnalysisIn,
    AnalysisOut,
    AnalysisPatch,
    AnswerIn,
    AnswerOut,
    DiffOut,
    DiffQuery,
    HeatMapsOut,
    NoteIn,
    ProposalOut,
    ProposalQuery,
    ReasonIn,
    RiskOut,
    SyncOut,
    VersionDetailOut,
    VersionOut,
)
from phiward.risk.scoring import spec
from phiward.risk.snapshot import build_snapshot
from phiward.risk.versions import SnapshotDiff, diff_snapshots

# --- analyses -----------------------------------------------------------------------------------


def _analysis(scope: OrgScope, analysis_id: int) -> RiskAnalysis:
    return in_org(RiskAnalysis, scope, analysis_id)


def _analysis_out(analysis: RiskAnalysis) -> dict[str, Any]:
    return {
        "id": analysis.pk,
        "title": analysis.title,
        "method": analysis.method,
        "method_label": spec(analysis.method).label,
        "scope": analysis.scope,
        "scope_all_ephi": analysis.scope_all_ephi,
        "asset_ids": [link.asset_id for link in analysis.scope_links.all()],
        "participants": [
            {"name": p.get("name", ""), "role": p.get("role", "")} for p in analysis.participants
        ],
        "started_on": analysis.started_on,
        "started_by": person(analysis.started_by),
        "next_review_on": analysis.next_review_on,
        "version": analysis.version,
        "approved_at": analysis.approved_at,
        "approved_by": person(analysis.approved_by),
    }


def _analysis_detail(analysis: RiskAnalysis) -> dict[str, Any]:
    method = spec(analysis.method)

    def points(scale: Sequence[Any]) -> list[dict[str, Any]]:
        return [{"value": p.value, "name": p.name, "definition": p.definition} for p in scale]

    return {
        **_analysis_out(analysis),
        "scales": {
            "key": method.method,
            "label": method.label,
            "likelihood": points(method.likelihood),
            "impact": points(method.impact),
            "levels": list(method.levels),
        },
        "blockers": [{"field": p.field, "message": p.message} for p in services.blockers(analysis)],
        "changed_since_approval": not services.diff_since_approval(analysis).is_empty,
    }


@router.get(
    "/{org}/risk/analyses",
    response={200: list[AnalysisOut], **SCOPED_ERRORS},
    operation_id="list_risk_analyses",
    summary="The organization's risk analyses, latest first",
)
def list_analyses(request: HttpRequest, org: str) -> list[dict[str, Any]]:
    scope = org_scope(request, org, Action.READ, AREA)
    analyses = (
        scoped(RiskAnalysis, scope)
        .select_related("started_by", "approved_by")
        .prefetch_related("scope_links")
        .order_by("-started_on", "-pk")
    )
    return [_analysis_out(a) for a in analyses]


@router.post(
    "/{org}/risk/analyses",
    response={201: AnalysisDetailOut, **WRITE_ERRORS},
    operation_id="create_risk_analysis",
    summary="Start an analysis: all ePHI assets and flows by default, or the listed assets",
)
def create_analysis(request: HttpRequest, org: str, payload: AnalysisIn) -> Status[dict[str, Any]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    assets = assets_named(scope, payload.asset_ids)
    with api_names():
        analysis = services.start_analysis(
            scope.organization,
            scope.user,
            title=payload.title,
            method=payload.method,
            scope_text=payload.scope,
            scope_all_ephi=payload.scope_all_ephi,
            assets=assets,
            participants=[p.model_dump() for p in payload.participants],
            started_on=payload.started_on,
            next_review_on=payload.next_review_on,
        )
    return Status(201, _analysis_detail(analysis))


@router.get(
    "/{org}/risk/analyses/{analysis_id}",
    response={200: AnalysisDetailOut, **SCOPED_ERRORS},
    operation_id="get_risk_analysis",
    summary="An analysis with its scales, what blocks its approval, and whether it changed",
)
def get_analysis(request: HttpRequest, org: str, analysis_id: int) -> dict[str, Any]:
    scope = org_scope(request, org, Action.READ, AREA)
    return _analysis_detail(_analysis(scope, analysis_id))


@router.patch(
    "/{org}/risk/analyses/{analysis_id}",
    response={200: AnalysisDetailOut, **WRITE_ERRORS},
    operation_id="update_risk_analysis",
    summary="Change an analysis's title, method, scope, participants or next review "
    "(null clears the next review; other fields left out or null stay as they are)",
)
def update_analysis(
    request: HttpRequest, org: str, analysis_id: int, payload: AnalysisPatch
) -> dict[str, Any]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    analysis = _analysis(scope, analysis_id)
    assets = kept(payload, "asset_ids")
    participants = kept(payload, "participants")
    with api_names():
        services.update_analysis(
            analysis,
            scope.user,
            title=kept(payload, "title"),
            method=kept(payload, "method"),
            scope_text=kept(payload, "scope"),
            scope_all_ephi=kept(payload, "scope_all_ephi"),
            assets=assets if assets is KEEP else assets_named(scope, assets),
            participants=participants
            if participants is KEEP
            else [p.model_dump() for p in participants],
            next_review_on=nullable(payload, "next_review_on"),
        )
    return _analysis_detail(_analysis(scope, analysis_id))


def _answer_out(answer: QuestionAnswer) -> dict[str, Any]:
    return {
        "question_id": answer.question_id,
        "answer": answer.answer,
        "note": answer.note,
        "answered_by": person(answer.answered_by),
        "updated_at": answer.updated_at,
    }


@router.get(
    "/{org}/risk/analyses/{analysis_id}/answers",
    response={200: list[AnswerOut], **SCOPED_ERRORS},
    operation_id="list_risk_answers",
    summary="The analysis's answers to the NIST SP 800-66r2 questionnaire",
)
def list_answers(request: HttpRequest, org: str, analysis_id: int) -> list[dict[str, Any]]:
    scope = org_scope(request, org, Action.READ, AREA)
    analysis = _analysis(scope, analysis_id)
    answers = QuestionAnswer.objects.filter(analysis=analysis).select_related("answered_by")
    return [_answer_out(a) for a in answers.order_by("question_id")]


@router.put(
    "/{org}/risk/analyses/{analysis_id}/answers/{question_id}",
    response={200: AnswerOut, **WRITE_ERRORS},
    operation_id="put_risk_answer",
    summary="Answer (or re-answer) one question, by its NIST CPRT id (SQ_...)",
)
def put_answer(
    request: HttpRequest, org: str, analysis_id: int, question_id: str, payload: AnswerIn
) -> dict[str, Any]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    analysis = _analysis(scope, analysis_id)
    questionnaire.question(question_id)  # NotFound (404) for an unknown question
    answer = services.record_answer(analysis, scope.user, question_id, payload.answer, payload.note)
    return _answer_out(answer)


# --- proposals ----------------------------------------------------------------------------------


def _proposal_out(proposal: RiskProposal) -> dict[str, Any]:
    try:
        risk_id: int | None = proposal.risk.pk
    except Risk.DoesNotExist:
        risk_id = None
    return {
        "id": proposal.pk,
        "analysis_id": proposal.analysis_id,
        "rule": proposal.rule,
        "subject_key": proposal.subject_key,
        "subject_label": proposal.subject_label,
        "threat": {"key": proposal.threat.key, "name": proposal.threat.name},
        "vulnerability": {"key": proposal.vulnerability.key, "name": proposal.vulnerability.name},
        "reason": proposal.reason,
        "facts": proposal.facts if isinstance(proposal.facts, dict) else {},
        "asset_ids": list(proposal.asset_ids or ()),
        "vendor_id": proposal.vendor_id,
        "data_flow_id": proposal.data_flow_id,
        "suggested_likelihood": proposal.suggested_likelihood,
        "suggested_impact": proposal.suggested_impact,
        "status": proposal.status,
        "current": proposal.current,
        "decided_at": proposal.decided_at,
        "decided_by": person(proposal.decided_by),
        "dismiss_reason": proposal.dismiss_reason,
        "risk_id": risk_id,
    }


def _proposals(scope: OrgScope) -> QuerySet[RiskProposal]:
    return scoped(RiskProposal, scope).select_related(
        "threat", "vulnerability", "decided_by", "risk"
    )


@router.get(
    "/{org}/risk/analyses/{analysis_id}/proposals",
    response={200: list[ProposalOut], **SCOPED_ERRORS},
    operation_id="list_risk_proposals",
    summary="The analysis's proposals, each with the reason it was proposed",
)
def list_proposals(
    request: HttpRequest, org: str, analysis_id: int, query: Query[ProposalQuery]
) -> list[dict[str, Any]]:
    scope = org_scope(request, org, Action.READ, AREA)
    proposals = _proposals(scope).filter(analysis=_analysis(scope, analysis_id))
    if query.status is not None:
        proposals = proposals.filter(status=query.status)
    return [_proposal_out(p) for p in proposals.order_by("rule", "subject_label", "pk")]


@router.post(
    "/{org}/risk/analyses/{analysis_id}/proposals/sync",
    response={200: SyncOut, **WRITE_ERRORS},
    operation_id="sync_risk_proposals",
    summary="Run the proposal rules over the analysis's scope and bring the proposals up to date",
)
def sync_proposals(request: HttpRequest, org: str, analysis_id: int) -> dict[str, int]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    return services.sync_proposals(_analysis(scope, analysis_id)).as_dict()


@router.post(
    "/{org}/risk/proposals/{proposal_id}/accept",
    response={201: RiskOut, **WRITE_ERRORS},
    operation_id="accept_risk_proposal",
    summary="Accept a proposal into the register, as proposed or edited",
)
def accept_proposal(
    request: HttpRequest, org: str, proposal_id: int, payload: AcceptIn
) -> Status[dict[str, Any]]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    proposal = in_org(RiskProposal, scope, proposal_id)
    owner = member(scope, payload.owner)
    with api_names():
        risk = services.accept_proposal(
            proposal,
            scope.user,
            title=payload.title,
            description=payload.description,
            threat=payload.threat,
            vulnerability=payload.vulnerability,
            current_controls=payload.current_controls,
            likelihood=payload.likelihood,
            impact=payload.impact,
            residual_likelihood=payload.residual_likelihood,
            residual_impact=payload.residual_impact,
            owner=owner,
        )
    return Status(201, risk_out(risk_of(scope, risk.pk)))


@router.post(
    "/{org}/risk/proposals/{proposal_id}/dismiss",
    response={200: ProposalOut, **WRITE_ERRORS},
    operation_id="dismiss_risk_proposal",
    summary="Dismiss a proposal, with the reason (kept in the approved analysis)",
)
def dismiss_proposal(
    request: HttpRequest, org: str, proposal_id: int, payload: ReasonIn
) -> dict[str, Any]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    proposal = in_org(RiskProposal, scope, proposal_id)
    services.dismiss_proposal(proposal, scope.user, payload.reason)
    return _proposal_out(_proposals(scope).get(pk=proposal.pk))


# --- approval and versions ----------------------------------------------------------------------


def _version_out(version: AnalysisVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "digest": version.digest,
        "verified": services.verify_version(version),
        "approved_at": version.approved_at,
        "approved_by": version.approver_name,
        "note": version.note,
    }


@router.post(
    "/{org}/risk/analyses/{analysis_id}/approve",
    response={201: VersionOut, **WRITE_ERRORS},
    operation_id="approve_risk_analysis",
    summary="Sign off the analysis as it stands: the next immutable version (approvers only; "
    "refused, listing why, while a proposal is undecided or a risk unrated or to re-assess)",
)
def approve_analysis(
    request: HttpRequest, org: str, analysis_id: int, payload: NoteIn
) -> Status[dict[str, Any]]:
    scope = org_scope(request, org, Action.APPROVE, AREA)
    version = services.approve_analysis(_analysis(scope, analysis_id), scope.user, payload.note)
    return Status(201, _version_out(version))


def _version(analysis: RiskAnalysis, number: int) -> AnalysisVersion:
    found = (
        AnalysisVersion.objects.filter(analysis=analysis, number=number).first()
        if in_range(number)
        else None
    )
    if found is None:
        raise NotFound(f"no approved version {number} of this analysis")
    return found


@router.get(
    "/{org}/risk/analyses/{analysis_id}/versions",
    response={200: list[VersionOut], **SCOPED_ERRORS},
    operation_id="list_risk_analysis_versions",
    summary="The approved versions, newest first, each with its digest verified",
)
def list_versions(request: HttpRequest, org: str, analysis_id: int) -> list[dict[str, Any]]:
    scope = org_scope(request, org, Action.READ, AREA)
    versions = AnalysisVersion.objects.filter(analysis=_analysis(scope, analysis_id))
    return [_version_out(v) for v in versions.order_by("-number")]


@router.get(
    "/{org}/risk/analyses/{analysis_id}/versions/{number}",
    response={200: VersionDetailOut, **SCOPED_ERRORS},
    operation_id="get_risk_analysis_version",
    summary="One approved version with its snapshot",
)
def get_version(request: HttpRequest, org: str, analysis_id: int, number: int) -> dict[str, Any]:
    scope = org_scope(request, org, Action.READ, AREA)
    version = _version(_analysis(scope, analysis_id), number)
    return {**_version_out(version), "snapshot": version.snapshot}


def _diff_out(diff: SnapshotDiff, before: int | None, after: int | None) -> dict[str, Any]:
    def changes(items: Sequence[Any]) -> list[dict[str, Any]]:
        return [{"field": c.field, "before": c.before, "after": c.after} for c in items]

    def summaries(items: Sequence[Any]) -> list[dict[str, str]]:
        return [{"reference": r.reference, "title": r.title, "level": r.level} for r in items]

    return {
        "before": before,
        "after": after,
        "empty": diff.is_empty,
        "analysis": changes(diff.analysis),
        "added": summaries(diff.added),
        "removed": summaries(diff.removed),
        "changed": [
            {"reference": c.reference, "title": c.title, "changes": changes(c.changes)}
            for c in diff.changed
        ],
        "answers": changes(diff.answers),
        "dismissed": list(diff.dismissed),
    }


@router.get(
    "/{org}/risk/analyses/{analysis_id}/diff",
    response={200: DiffOut, **SCOPED_ERRORS},
    operation_id="diff_risk_analysis",
    summary="What changed between two versions; by default since the last approval",
)
def diff_analysis(
    request: HttpRequest, org: str, analysis_id: int, query: Query[DiffQuery]
) -> dict[str, Any]:
    scope = org_scope(request, org, Action.READ, AREA)
    analysis = _analysis(scope, analysis_id)
    before = query.before
    if before is None:
        latest = AnalysisVersion.objects.filter(analysis=analysis).order_by("-number").first()
        before = latest.number if latest is not None else None
    start = _version(analysis, before).snapshot if before is not None else None
    end = (
        _version(analysis, query.after).snapshot
        if query.after is not None
        else build_snapshot(analysis)
    )
    return _diff_out(diff_snapshots(start, end), before, query.after)


@router.get(
    "/{org}/risk/analyses/{analysis_id}/heat-maps",
    response={200: HeatMapsOut, **SCOPED_ERRORS},
    operation_id="get_risk_heat_maps",
    summary="Open risks per likelihood x impact cell, inherent and residual",
)
def get_heat_maps(request: HttpRequest, org: str, analysis_id: int) -> dict[str, Any]:
    scope = org_scope(request, org, Action.READ, AREA)
    analysis = _analysis(scope, analysis_id)
    maps = services.heat_maps(analysis)

    def cells(heat: Any) -> dict[str, Any]:
        return {
            "cells": [
                {"likelihood": lk, "impact": im, "level": heat.levels[(lk, im)], "count": n}
                for (lk, im), n in sorted(heat.cells.items())
            ],
            "unrated": heat.unrated,
        }

    return {
        "analysis_id": analysis.pk,
        "method": analysis.method,
        "likelihood_names": list(maps.inherent.likelihood_names),
        "impact_names": list(maps.inherent.impact_names),
        "inherent": cells(maps.inherent),
        "residual": cells(maps.residual),
    }
