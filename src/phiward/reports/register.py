"""The risk register as CSV or JSON, for spreadsheets and pipelines.

One row per risk, every analysis of the organization, ordered by R-number; the columns are the
same in both formats (JSON keeps lists as lists). CSV cells that a spreadsheet would read as a
formula are prefixed with an apostrophe (CWE-1236).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from phiward.core.models import Organization, display_name
from phiward.core.spreadsheet import safe_cell
from phiward.risk.models import Risk, Treatment
from phiward.risk.scoring import Level, spec

COLUMNS = (
    "reference",
    "title",
    "analysis",
    "status",
    "threat",
    "vulnerability",
    "assets",
    "vendor",
    "data_flow",
    "likelihood",
    "impact",
    "inherent_level",
    "residual_likelihood",
    "residual_impact",
    "residual_level",
    "owner",
    "needs_reassessment",
    "current_controls",
    "treatments",
    "next_due",
    "overdue",
)


def _level(value: str) -> str:
    return Level(value).label if value else ""


def _treatment(treatment: Treatment) -> str:
    words = f"{treatment.get_strategy_display()}: {treatment.description}"
    words += f" [{treatment.get_status_display()}"
    if treatment.due_on:
        words += f", due {treatment.due_on.isoformat()}"
    return words + "]"


def rows(organization: Organization) -> list[dict[str, Any]]:
    risks = (
        Risk.objects.for_org(organization)
        .select_related("analysis", "threat", "vulnerability", "vendor", "data_flow", "owner")
        .prefetch_related("asset_links__asset", "treatments")
        .order_by("number")
    )
    out = []
    for risk in risks:
        method = spec(risk.analysis.method)
        treatments = list(risk.treatments.all())
        open_dues = sorted(
            t.due_on
            for t in treatments
            if t.due_on is not None and t.status in ("planned", "in_progress")
        )
        out.append(
            {
                "reference": risk.reference,
                "title": risk.title,
                "analysis": risk.analysis.title,
                "status": risk.status,
                "threat": risk.threat.name,
                "vulnerability": risk.vulnerability.name,
                "assets": [link.asset.name for link in risk.asset_links.all()],
                "vendor": risk.vendor.name if risk.vendor else "",
                "data_flow": risk.data_flow.name if risk.data_flow else "",
                "likelihood": method.likelihood_name(risk.likelihood) if risk.likelihood else "",
                "impact": method.impact_name(risk.impact) if risk.impact else "",
                "inherent_level": _level(risk.inherent_level),
                "residual_likelihood": method.likelihood_name(risk.residual_likelihood)
                if risk.residual_likelihood
                else "",
                "residual_impact": method.impact_name(risk.residual_impact)
                if risk.residual_impact
                else "",
                "residual_level": _level(risk.residual_level),
                "owner": display_name(risk.owner) if risk.owner else "",
                "needs_reassessment": risk.needs_reassessment,
                "current_controls": risk.current_controls,
                "treatments": [_treatment(t) for t in treatments],
                "next_due": open_dues[0].isoformat() if open_dues else "",
                "overdue": any(t.is_overdue() for t in treatments),
            }
        )
    return out


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = "" if value is None else str(value)
    return safe_cell(text)


def to_csv(records: Sequence[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([_cell(record[column]) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def to_json(records: Sequence[dict[str, Any]]) -> bytes:
    return (json.dumps(list(records), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def render(organization: Organization, fmt: str) -> bytes:
    records = rows(organization)
    return to_csv(records) if fmt == "csv" else to_json(records)


def file_name(organization: Organization, fmt: str) -> str:
    return f"{organization.slug}-risk-register.{fmt}"
