"""The snapshot of an analysis: what a security officer signs off, as canonical JSON.

``build_snapshot`` reads the analysis as it is now: method with its scales and their written
definitions, scope, participants, dates, questionnaire answers, every risk of the analysis with
its ratings, controls, treatments and tasks, the controls (Security Rule specifications) the
treatments implement, and the proposals dismissed with their reasons. ``canonical`` is the one
byte form of it (sorted keys, compact separators, UTF-8); ``digest`` is its SHA-256, stored with
each approved version so a changed snapshot is detected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from phiward.core.models import display_name
from phiward.risk.models import (
    ProposalStatus,
    QuestionAnswer,
    Risk,
    RiskAnalysis,
    RiskProposal,
)
from phiward.risk.scoring import spec

FORMAT = 1
Snapshot = dict[str, Any]


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _method(analysis: RiskAnalysis) -> dict[str, Any]:
    method = spec(analysis.method)

    def points(scale: tuple[Any, ...]) -> list[dict[str, Any]]:
        return [{"value": p.value, "name": p.name, "definition": p.definition} for p in scale]

    return {
        "key": method.method,
        "label": method.label,
        "source": method.source,
        "likelihood": points(method.likelihood),
        "impact": points(method.impact),
        "levels": [str(level) for level in method.levels],
    }


def _risk(risk: Risk) -> dict[str, Any]:
    treatments = []
    for treatment in risk.treatments.all():
        treatments.append(
            {
                "strategy": treatment.strategy,
                "description": treatment.description,
                "owner": display_name(treatment.owner) if treatment.owner else None,
                "due_on": _date(treatment.due_on),
                "status": treatment.status,
                "completed_on": _date(treatment.completed_on),
                "spec_ids": list(treatment.spec_ids),
                "justification": treatment.justification,
                "expires_on": _date(treatment.expires_on),
                "approved_by": display_name(treatment.approved_by)
                if treatment.approved_by
                else None,
                "approved_at": _moment(treatment.approved_at),
                "counterparty": treatment.counterparty,
                "tasks": [
                    {
                        "title": task.title,
                        "owner": display_name(task.owner) if task.owner else None,
                        "due_on": _date(task.due_on),
                        "done_on": _date(task.done_on),
                    }
                    for task in treatment.tasks.all()
                ],
            }
        )
    return {
        "reference": risk.reference,
        "title": risk.title,
        "description": risk.description,
        "threat": {"key": risk.threat.key, "name": risk.threat.name},
        "vulnerability": {"key": risk.vulnerability.key, "name": risk.vulnerability.name},
        "assets": sorted(link.asset.name for link in risk.asset_links.all()),
        "vendor": risk.vendor.name if risk.vendor else None,
        "data_flow": risk.data_flow.name if risk.data_flow else None,
        "current_controls": risk.current_controls,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "inherent_level": risk.inherent_level or None,
        "residual_likelihood": risk.residual_likelihood,
        "residual_impact": risk.residual_impact,
        "residual_level": risk.residual_level or None,
        "owner": display_name(risk.owner) if risk.owner else None,
        "status": risk.status,
        "close_reason": risk.close_reason,
        "needs_reassessment": risk.needs_reassessment,
        "assessed_on": _date(risk.assessed_at.date()) if risk.assessed_at else None,
        "treatments": treatments,
    }


def build_snapshot(analysis: RiskAnalysis, approval: Mapping[str, Any] | None = None) -> Snapshot:
    """The analysis as it stands, with the approval block when it is being approved."""
    risks = (
        Risk.objects.filter(analysis=analysis)
        .select_related("threat", "vulnerability", "vendor", "data_flow", "owner")
        .prefetch_related(
            "asset_links__asset",
            "treatments__owner",
            "treatments__approved_by",
            "treatments__tasks__owner",
        )
        .order_by("number")
    )
    risk_rows = [_risk(risk) for risk in risks]
    controls: dict[str, set[str]] = defaultdict(set)
    for row in risk_rows:
        for treatment in row["treatments"]:
            for spec_id in treatment["spec_ids"]:
                controls[spec_id].add(row["reference"])
    dismissed = (
        RiskProposal.objects.filter(analysis=analysis, status=ProposalStatus.DISMISSED)
        .select_related("threat", "vulnerability", "decided_by")
        .order_by("rule", "subject_label", "pk")
    )
    snapshot: Snapshot = {
        "format": FORMAT,
        "analysis": {
            "title": analysis.title,
            "method": _method(analysis),
            "scope": {
                "text": analysis.scope,
                "all_ephi": analysis.scope_all_ephi,
                "assets": sorted(
                    link.asset.name for link in analysis.scope_links.select_related("asset")
                ),
            },
            "participants": [
                {"name": p.get("name", ""), "role": p.get("role", "")}
                for p in analysis.participants
            ],
            "started_on": _date(analysis.started_on),
            "next_review_on": _date(analysis.next_review_on),
        },
        "answers": [
            {"question_id": a.question_id, "answer": a.answer, "note": a.note}
            for a in QuestionAnswer.objects.filter(analysis=analysis).order_by("question_id")
        ],
        "risks": risk_rows,
        "controls": [
            {"spec_id": spec_id, "risks": sorted(refs)}
            for spec_id, refs in sorted(controls.items())
        ],
        "dismissed_proposals": [
            {
                "rule": p.rule,
                "subject": p.subject_label,
                "threat": p.threat.name,
                "vulnerability": p.vulnerability.name,
                "reason": p.reason,
                "dismiss_reason": p.dismiss_reason,
                "dismissed_by": display_name(p.decided_by) if p.decided_by else None,
                "dismissed_at": _moment(p.decided_at),
            }
            for p in dismissed
        ],
    }
    if approval is not None:
        snapshot["approval"] = dict(approval)
    return snapshot


def canonical(snapshot: Mapping[str, Any]) -> bytes:
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def digest(snapshot: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(snapshot)).hexdigest()
