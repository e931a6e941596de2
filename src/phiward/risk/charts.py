"""The pictures' data: heat maps (inherent and residual), the trend across approved versions,
and treatment progress. Each is a few queries; drawing is the web's business."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils import timezone

from phiward.core.models import Organization
from phiward.risk.heatmap import HeatMap, count_cells
from phiward.risk.models import (
    OPEN_TREATMENT,
    AnalysisVersion,
    Risk,
    RiskAnalysis,
    RiskStatus,
    Strategy,
    Treatment,
    TreatmentStatus,
    TreatmentTask,
)
from phiward.risk.snapshot import build_snapshot
from phiward.risk.versions import TrendPoint, trend


@dataclass(frozen=True, slots=True)
class HeatMaps:
    inherent: HeatMap
    residual: HeatMap


def heat_maps(analysis: RiskAnalysis) -> HeatMaps:
    """Open risks of the analysis per cell, rated before (inherent) and after controls."""
    rows = list(
        Risk.objects.filter(analysis=analysis, status=RiskStatus.OPEN).values_list(
            "likelihood", "impact", "residual_likelihood", "residual_impact"
        )
    )
    return HeatMaps(
        inherent=count_cells(analysis.method, ((lk, im) for lk, im, _, _ in rows)),
        residual=count_cells(analysis.method, ((rl, ri) for _, _, rl, ri in rows)),
    )


def risk_trend(analysis: RiskAnalysis, *, include_current: bool = True) -> list[TrendPoint]:
    """Open risks per level in each approved version, oldest first, then ("now") as it is."""
    points: list[tuple[str, dt.datetime | None, dict[str, Any]]] = [
        (f"v{v.number}", v.approved_at, v.snapshot)
        for v in AnalysisVersion.objects.filter(analysis=analysis).order_by("number")
    ]
    if include_current:
        points.append(("now", None, build_snapshot(analysis)))
    return trend(points)


@dataclass(frozen=True, slots=True)
class TreatmentProgress:
    by_status: dict[str, int]  # every TreatmentStatus value
    overdue: int
    acceptances_effective: int
    acceptances_pending: int
    acceptances_lapsed: int
    tasks_done: int
    tasks_total: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def treatment_progress(
    organization: Organization,
    analysis: RiskAnalysis | None = None,
    today: dt.date | None = None,
) -> TreatmentProgress:
    """Treatments of open risks (of one analysis, or the whole register) by how far they got."""
    today = today or timezone.localdate()
    treatments = Treatment.objects.for_org(organization).filter(risk__status=RiskStatus.OPEN)
    if analysis is not None:
        treatments = treatments.filter(risk__analysis=analysis)
    by_status = dict.fromkeys(TreatmentStatus.values, 0)
    for row in treatments.values("status").annotate(n=Count("pk")):
        by_status[row["status"]] = row["n"]
    live = treatments.exclude(status=TreatmentStatus.CANCELLED)
    accepts = live.filter(strategy=Strategy.ACCEPT)
    tasks = TreatmentTask.objects.filter(treatment__in=live)
    return TreatmentProgress(
        by_status=by_status,
        overdue=live.filter(status__in=OPEN_TREATMENT, due_on__lt=today).count(),
        acceptances_effective=accepts.exclude(approved_at=None)
        .exclude(expires_on__lt=today)
        .count(),
        acceptances_pending=accepts.filter(approved_at=None).count(),
        acceptances_lapsed=accepts.filter(expires_on__lt=today).count(),
        tasks_done=tasks.exclude(done_on=None).count(),
        tasks_total=tasks.count(),
    )
