"""Reading an analysis's facts from the inventory."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phiward.risk.analysis import record_answer, start_analysis
from phiward.risk.models import RiskAnalysis
from phiward.risk.scope import gather
from tests.risk.conftest import Clinic
from tests.risk.factories import make_asset


def test_all_ephi_scope(clinic: Clinic, analysis: RiskAnalysis) -> None:
    facts = gather(analysis, dt.date(2026, 6, 1))
    names = sorted(a.name for a in facts.assets)
    assert names == [
        "Backup appliance",
        "EHR server",
        "File server",
        "LT01",
        "LT02",
        "LT03",
        "Ultrasound",
    ]
    clinic.backup.ephi_maintains = False
    clinic.backup.save()
    assert "Backup appliance" not in {a.name for a in gather(analysis).assets}
    lt01 = next(a for a in facts.assets if a.name == "LT01")
    assert lt01.zone is not None and lt01.zone.name == "Clinic LAN"
    assert lt01.encryption_at_rest == "none" and lt01.encryption_at_rest_label == "None"
    assert lt01.kind_label == "Laptop"
    files = next(a for a in facts.assets if a.name == "File server")
    ehr = next(a for a in facts.assets if a.name == "EHR server")
    assert files.backed_up and not ehr.backed_up
    assert facts.backups_recorded
    assert ehr.categories == frozenset({"billing"})
    assert [f.name for f in facts.flows] == ["Backups", "Balances"]
    balances = next(f for f in facts.flows if f.name == "Balances")
    assert (balances.source, balances.destination) == ("EHR server", "Collections Co")
    assert balances.transit_status == "unencrypted"
    (vendor,) = facts.vendors
    assert vendor.flow_names == ("Balances",)
    assert vendor.record_count == 20_000  # the EHR at the other end of its flow
    assert facts.profile.record_count == 20_000 and facts.profile.criticality == "critical"


def test_disposed_assets_are_out_of_scope(clinic: Clinic, analysis: RiskAnalysis) -> None:
    clinic.lt02.lifecycle = "disposed"
    clinic.lt02.save()
    assert "LT02" not in {a.name for a in gather(analysis).assets}


def test_listed_scope(clinic: Clinic, officer: User) -> None:
    listed = start_analysis(
        clinic.org, officer, title="Servers only", scope_all_ephi=False, assets=[clinic.files]
    )
    facts = gather(listed)
    assert [a.name for a in facts.assets] == ["File server"]
    assert [f.name for f in facts.flows] == ["Backups"]
    assert facts.vendors == ()


def test_answers_are_read_with_their_key_activity(clinic: Clinic, analysis: RiskAnalysis) -> None:
    record_answer(analysis, None, "SQ_164.312(d).3.01", "no")
    (answer,) = gather(analysis).answers
    assert answer.key_activity_id == "KA_164.312(d).3"
    assert answer.key_activity_title.startswith("Select and Implement")


def test_gathering_costs_the_same_queries_at_any_size(
    clinic: Clinic, analysis: RiskAnalysis
) -> None:
    with CaptureQueriesContext(connection) as small:
        gather(analysis)
    for i in range(30):
        make_asset(clinic.org, f"extra-{i}", zone=clinic.clinical)
    with CaptureQueriesContext(connection) as large:
        gather(analysis)
    assert len(small) == len(large) <= 6
