"""The risk overview (the current analysis at a glance) and the prioritized remediation plan."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404
from django.views.generic import TemplateView

from phiward.reports import pictures
from phiward.risk import services
from phiward.risk.charts import TreatmentProgress
from phiward.risk.lookups import open_reasons_prefetch
from phiward.risk.models import (
    ProposalStatus,
    Risk,
    RiskAnalysis,
    RiskProposal,
    RiskStatus,
    TreatmentStatus,
)
from phiward.risk.scoring import Level, spec
from phiward.risk.versions import UNRATED
from phiward.risk.views.base import RiskView, svg

LISTED = 10  # rows of each "needs attention" list before "and N more"
PLAN_TOP = 10
PLAN_PAGE = 100
STATUS_COLOURS = {
    TreatmentStatus.PLANNED: "#9bb7d4",
    TreatmentStatus.IN_PROGRESS: "#e0b04a",
    TreatmentStatus.DONE: "#1e6b35",
    TreatmentStatus.CANCELLED: "#c9c9c9",
}


def progress_pictures(progress: TreatmentProgress) -> list[str]:
    treatments = [
        (TreatmentStatus(status).label, count, STATUS_COLOURS[TreatmentStatus(status)])
        for status, count in progress.by_status.items()
    ]
    acceptances = [
        ("Effective", progress.acceptances_effective, "#1e6b35"),
        ("Awaiting approval", progress.acceptances_pending, "#e0b04a"),
        ("Lapsed", progress.acceptances_lapsed, "#b3261e"),
    ]
    tasks = [
        ("Done", progress.tasks_done, "#1e6b35"),
        ("Open", progress.tasks_total - progress.tasks_done, "#9bb7d4"),
    ]
    return [
        svg(pictures.progress(treatments, title="Treatments of open risks")),
        svg(pictures.progress(acceptances, title="Risk acceptances")),
        svg(pictures.progress(tasks, title="Treatment tasks")),
    ]


def level_counts(analysis: RiskAnalysis) -> list[tuple[str, str, int]]:
    """Open risks of the analysis per level that counts now: (value, label, count)."""
    counts = Counter(
        residual or inherent or UNRATED
        for residual, inherent in Risk.objects.filter(
            analysis=analysis, status=RiskStatus.OPEN
        ).values_list("residual_level", "inherent_level")
    )
    levels = list(spec(analysis.method).levels)
    levels += [lv for lv in Level if lv not in levels and counts.get(lv.value)]
    levels.sort(key=lambda lv: -lv.severity)
    rows = [(lv.value, lv.label, counts.get(lv.value, 0)) for lv in levels]
    return [*rows, (UNRATED, "Not rated", counts.get(UNRATED, 0))]


class OverviewView(RiskView, TemplateView):
    template_name = "risk/overview.html"

    def analysis(self) -> RiskAnalysis | None:
        chosen = self.request.GET.get("analysis", "")
        if chosen:
            if not chosen.isdigit():
                raise Http404("no such analysis")
            return self.get_object(RiskAnalysis, int(chosen))
        return services.latest_analysis(self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        org = self.org
        analysis = self.analysis()
        context.update(
            analysis=analysis,
            analyses=RiskAnalysis.objects.for_org(org).order_by("-started_on", "-pk"),
        )
        if analysis is None:
            return context
        maps = services.heat_maps(analysis)
        method = analysis.method
        trend = services.risk_trend(analysis)
        overdue = services.overdue_treatments(org)
        lapsed = services.lapsed_acceptances(org)
        pending = services.pending_acceptances(org)
        flagged = (
            Risk.objects.for_org(org)
            .filter(status=RiskStatus.OPEN, needs_reassessment=True)
            .prefetch_related(open_reasons_prefetch())
            .order_by("number")
        )
        plan = services.remediation_plan(org)
        changes = services.diff_since_approval(analysis)
        context.update(
            method=spec(method),
            changes=changes,
            changed_fields=[c.field.replace("_", " ") for c in changes.analysis],
            levels=level_counts(analysis),
            undecided=RiskProposal.objects.filter(
                analysis=analysis, status=ProposalStatus.PROPOSED
            ).count(),
            inherent_map=svg(pictures.heat_map(method, maps.inherent.cells, title="Inherent")),
            residual_map=svg(pictures.heat_map(method, maps.residual.cells, title="Residual")),
            unrated_inherent=maps.inherent.unrated,
            unrated_residual=maps.residual.unrated,
            trend=svg(pictures.trend([(p.label, dict(p.counts)) for p in trend])),
            progress=progress_pictures(services.treatment_progress(org, analysis)),
            overdue=list(overdue[:LISTED]),
            overdue_count=overdue.count(),
            lapsed=list(lapsed[:LISTED]),
            lapsed_count=lapsed.count(),
            pending=list(pending[:LISTED]),
            pending_count=pending.count(),
            flagged=list(flagged[:LISTED]),
            flagged_count=flagged.count(),
            plan=plan[:PLAN_TOP],
            plan_count=len(plan),
        )
        return context


class PlanView(RiskView, TemplateView):
    """Every open risk of the register in the order to treat it."""

    template_name = "risk/plan.html"
    nav = "risk-plan"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = services.remediation_plan(self.org)
        page = Paginator(plan, PLAN_PAGE).get_page(self.request.GET.get("page"))
        context.update(page_obj=page, items=page.object_list, offset=page.start_index())
        return context
