"""The pictures' data from the database, and the remediation plan's adapter."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from phiward.risk.approval import approve_analysis
from phiward.risk.charts import heat_maps, risk_trend, treatment_progress
from phiward.risk.models import RiskAnalysis
from phiward.risk.register import add_risk, close_risk, rate_risk, remediation_plan
from phiward.risk.treatments import add_task, add_treatment, approve_acceptance
from tests.risk.conftest import Clinic

LATER = timezone.localdate() + dt.timedelta(days=30)
EARLIER = timezone.localdate() - dt.timedelta(days=30)


def test_heat_maps_count_open_risks(clinic: Clinic, analysis: RiskAnalysis, officer: User) -> None:
    def new(likelihood: int | None, impact: int | None, **residual: int) -> None:
        add_risk(
            analysis,
            officer,
            title="r",
            threat="ransomware",
            vulnerability="no-mfa",
            likelihood=likelihood,
            impact=impact,
            **residual,
        )

    new(3, 3, residual_likelihood=1, residual_impact=3)
    new(3, 3)
    new(None, None)
    closed = add_risk(
        analysis,
        officer,
        title="c",
        threat="ransomware",
        vulnerability="no-mfa",
        likelihood=1,
        impact=1,
    )
    close_risk(closed, officer, "gone")
    maps = heat_maps(analysis)
    assert maps.inherent.cells[(3, 3)] == 2 and maps.inherent.unrated == 1
    assert maps.inherent.cells[(1, 1)] == 0  # the closed risk does not count
    assert maps.residual.cells[(1, 3)] == 1 and maps.residual.unrated == 2


def test_trend_across_versions(clinic: Clinic, analysis: RiskAnalysis, officer: User) -> None:
    risk = add_risk(
        analysis,
        officer,
        title="r",
        threat="ransomware",
        vulnerability="no-mfa",
        likelihood=3,
        impact=3,
    )
    # Nothing else is proposed or unrated: the register is just this risk.
    approve_analysis(analysis, officer)
    rate_risk(risk, officer, likelihood=3, impact=3, residual_likelihood=1, residual_impact=2)
    approve_analysis(analysis, officer)
    points = risk_trend(analysis)
    assert [p.label for p in points] == ["v1", "v2", "now"]
    assert points[0].counts == {"low": 0, "critical": 1}
    assert points[1].counts == {"low": 1, "critical": 0}


def test_treatment_progress(clinic: Clinic, analysis: RiskAnalysis, officer: User) -> None:
    risk = add_risk(analysis, officer, title="r", threat="ransomware", vulnerability="no-mfa")
    late = add_treatment(
        risk, officer, strategy="mitigate", description="a", owner=officer, due_on=EARLIER
    )
    add_treatment(
        risk,
        officer,
        strategy="mitigate",
        description="b",
        owner=officer,
        due_on=LATER,
        status="done",
    )
    accepted = add_treatment(
        risk, officer, strategy="accept", description="c", justification="j", expires_on=LATER
    )
    add_treatment(
        risk, officer, strategy="accept", description="d", justification="j", expires_on=LATER
    )
    approve_acceptance(accepted, officer)
    add_task(late, officer, title="t1")
    progress = treatment_progress(clinic.org)
    assert progress.by_status == {"planned": 3, "in_progress": 0, "done": 1, "cancelled": 0}
    assert (progress.overdue, progress.total) == (1, 4)
    assert (progress.acceptances_effective, progress.acceptances_pending) == (1, 1)
    assert (progress.tasks_done, progress.tasks_total) == (0, 1)


def test_remediation_plan_orders_the_register(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    def new(title: str, likelihood: int | None, impact: int | None, **links: object) -> None:
        add_risk(
            analysis,
            officer,
            title=title,
            threat="ransomware",
            vulnerability="no-mfa",
            likelihood=likelihood,
            impact=impact,
            **links,
        )  # type: ignore[arg-type]

    new("laptops", 3, 2, assets=[clinic.lt01])  # high, unknown volume
    new("ehr", 3, 2, assets=[clinic.ehr])  # high, 20,000 records
    new("vendor", 3, 3, vendor=clinic.collections)  # critical
    new("flow", 3, 2, data_flow=clinic.balances)  # high: its EHR end holds 20,000 records
    new("unrated", None, None, assets=[clinic.ehr])
    with CaptureQueriesContext(connection) as queries:
        plan = remediation_plan(clinic.org)
    assert [p.title for p in plan] == ["vendor", "ehr", "flow", "laptops", "unrated"]
    ehr = plan[1]
    assert (ehr.record_count, ehr.criticality, ehr.level) == (20_000, "critical", ehr.level)
    assert plan[-1].level is None
    assert len(queries) <= 5
