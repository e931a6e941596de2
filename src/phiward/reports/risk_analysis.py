"""The risk analysis report: every element of HHS OCR's risk-analysis guidance, from a snapshot.

An approved version reports its own snapshot (the same bytes every time it is downloaded, and
its digest is printed and checked); a draft reports the analysis as it stands now, marked as not
approved. The elements of OCR's "Guidance on Risk Analysis Requirements under the HIPAA Security
Rule" (2010) are the report's numbered sections, listed with where each is met.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from phiward.core.models import Organization
from phiward.inventory.models import Asset, DataFlow, handles_ephi_q
from phiward.reports import pictures as charts
from phiward.reports.pdf import render_pdf
from phiward.reports.style import report_css
from phiward.risk.approval import verify_version
from phiward.risk.models import AnalysisVersion, RiskAnalysis
from phiward.risk.scoring import Level
from phiward.risk.snapshot import build_snapshot, digest
from phiward.risk.versions import current_level, trend

# OCR's elements of a risk analysis, in the guidance's order, with the report section meeting each.
OCR_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("Scope of the analysis", "scope"),
    ("Data collection", "data"),
    ("Identify and document potential threats and vulnerabilities", "threats"),
    ("Assess current security measures", "measures"),
    ("Determine the likelihood of threat occurrence", "likelihood"),
    ("Determine the potential impact of threat occurrence", "impact"),
    ("Determine the level of risk", "levels"),
    ("Finalize documentation", "documentation"),
    ("Periodic review and updates to the risk assessment", "review"),
)


@dataclass(frozen=True)
class ReportSource:
    """What a report is drawn from: an approved version, or the live analysis."""

    analysis: RiskAnalysis
    snapshot: Mapping[str, Any]
    version: AnalysisVersion | None
    generated_at: dt.datetime

    @property
    def label(self) -> str:
        if self.version is None:
            return "Draft — not approved"
        return f"Version {self.version.number}"


def source_for(analysis: RiskAnalysis, version_number: int | None = None) -> ReportSource:
    """The approved version ``version_number`` (default: the latest), or the live draft when
    ``version_number`` is 0 or nothing was approved yet."""
    from phiward.core.errors import NotFound

    version = None
    if version_number != 0:
        versions = AnalysisVersion.objects.filter(analysis=analysis)
        if version_number is not None:
            version = versions.filter(number=version_number).first()
            if version is None:
                raise NotFound(f"analysis '{analysis.title}' has no version {version_number}")
        else:
            version = versions.order_by("-number").first()
    snapshot = version.snapshot if version is not None else build_snapshot(analysis)
    return ReportSource(analysis, snapshot, version, timezone.now())


def _data_collection(organization: Organization, snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Where ePHI lives: the snapshot's record when it has one, else the inventory today."""
    recorded = snapshot.get("data_collection")
    if recorded is not None:
        return {"as_of": "as recorded in the approved version", **recorded}
    scope = snapshot["analysis"]["scope"]
    assets = Asset.objects.for_org(organization).filter(handles_ephi_q()).select_related("zone")
    if not scope.get("all_ephi", True):
        assets = Asset.objects.for_org(organization).filter(name__in=scope.get("assets", []))
    flows = (
        DataFlow.objects.for_org(organization)
        .exclude(ephi_categories=[])
        .select_related("source_asset", "destination_asset", "source_vendor", "destination_vendor")
    )
    rows = []
    for asset in assets.order_by("name"):
        roles = [
            word
            for word, flag in (
                ("creates", asset.ephi_creates),
                ("receives", asset.ephi_receives),
                ("maintains", asset.ephi_maintains),
                ("transmits", asset.ephi_transmits),
            )
            if flag
        ]
        rows.append(
            {
                "name": asset.name,
                "kind": asset.get_kind_display(),
                "zone": asset.zone.name if asset.zone else "",
                "roles": ", ".join(roles),
                "records": asset.record_count,
                "encryption": asset.get_encryption_at_rest_display(),
                "criticality": asset.get_criticality_display(),
            }
        )
    flow_rows = [
        {
            "name": flow.name,
            "from": str(flow.source or ""),
            "to": str(flow.destination or ""),
            "categories": ", ".join(flow.ephi_category_labels),
            "transit": flow.get_transit_encryption_display()
            + (f" (TLS {flow.tls_version})" if flow.tls_version else ""),
            "unencrypted": flow.unencrypted,
        }
        for flow in flows.order_by("name")
    ]
    return {"as_of": "from the inventory on the report date", "assets": rows, "flows": flow_rows}


def _svg(text: str) -> SafeString:
    # The charts escape every piece of user text themselves (see phiward.reports.pictures).
    return mark_safe(text)  # noqa: S308


def _maps(snapshot: Mapping[str, Any]) -> tuple[SafeString, SafeString]:
    method = snapshot["analysis"]["method"]["key"]
    open_risks = [r for r in snapshot["risks"] if r["status"] == "open"]
    inherent = Counter(
        (r["likelihood"], r["impact"]) for r in open_risks if r["likelihood"] is not None
    )
    residual = Counter(
        (r["residual_likelihood"], r["residual_impact"])
        for r in open_risks
        if r["residual_likelihood"] is not None
    )
    return (
        _svg(charts.heat_map(method, inherent, title="Inherent risk (open risks)")),
        _svg(charts.heat_map(method, residual, title="Residual risk (open risks)")),
    )


def _trend(analysis: RiskAnalysis, source: ReportSource) -> SafeString:
    points: list[tuple[str, dt.datetime | None, Mapping[str, Any]]] = [
        (f"v{v.number}", v.approved_at, v.snapshot)
        for v in AnalysisVersion.objects.filter(analysis=analysis).order_by("number")
        if source.version is None or v.number <= source.version.number
    ]
    if source.version is None:
        points.append(("now", None, source.snapshot))
    return _svg(
        charts.trend(
            [(point.label, dict(point.counts)) for point in trend(points)],
            title="Open risks by level, version by version",
        )
    )


def _by_severity(risks: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    def key(risk: Mapping[str, Any]) -> tuple[float, str]:
        name = current_level(risk)
        severity = Level(name).severity if name in Level._value2member_map_ else 0.0
        return (-severity, risk["reference"])

    return [
        {
            **risk,
            "inherent_label": _label(risk.get("inherent_level")) or "Unrated",
            "residual_label": _label(risk.get("residual_level")) or "—",
        }
        for risk in sorted(risks, key=key)
    ]


def _label(value: str | None) -> str:
    if not value:
        return ""
    return Level(value).label if value in Level._value2member_map_ else value


def context(source: ReportSource) -> dict[str, Any]:
    snapshot = source.snapshot
    analysis = source.analysis
    organization = analysis.organization
    risks = list(snapshot["risks"])
    threats = Counter(r["threat"]["name"] for r in risks)
    vulnerabilities = Counter(r["vulnerability"]["name"] for r in risks)
    inherent_map, residual_map = _maps(snapshot)
    levels = Counter(current_level(r) for r in risks if r["status"] == "open")
    integrity = None
    if source.version is not None:
        integrity = {
            "digest": source.version.digest,
            "verified": verify_version(source.version),
        }
    return {
        "organization": organization,
        "analysis": analysis,
        "source": source,
        "snapshot": snapshot,
        "method": snapshot["analysis"]["method"],
        "scope": snapshot["analysis"]["scope"],
        "participants": snapshot["analysis"]["participants"],
        "data": _data_collection(organization, snapshot),
        "threats": sorted(threats.items()),
        "vulnerabilities": sorted(vulnerabilities.items()),
        "risks": _by_severity(risks),
        "open_levels": [
            (Level(name).label if name in Level._value2member_map_ else name.capitalize(), count)
            for name, count in sorted(
                levels.items(),
                key=lambda item: (
                    -(Level(item[0]).severity if item[0] in Level._value2member_map_ else 0)
                ),
            )
        ],
        "inherent_map": inherent_map,
        "residual_map": residual_map,
        "trend": _trend(analysis, source),
        "dismissed": snapshot.get("dismissed_proposals", []),
        "answers": snapshot.get("answers", []),
        "approval": snapshot.get("approval"),
        "integrity": integrity,
        "live_digest": digest(snapshot) if source.version is None else None,
        "ocr_elements": OCR_ELEMENTS,
        "css": report_css(),
    }


def render_html(source: ReportSource) -> str:
    return render_to_string("reports/risk_analysis.html", context(source))


def render(source: ReportSource, fmt: str) -> bytes:
    html = render_html(source)
    if fmt == "pdf":
        return render_pdf(html)
    return html.encode("utf-8")


def file_name(source: ReportSource, fmt: str) -> str:
    label = f"v{source.version.number}" if source.version is not None else "draft"
    return f"{source.analysis.organization.slug}-risk-analysis-{label}.{fmt}"
