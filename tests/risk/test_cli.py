"""``phiward risk analyze / list / plan``, run through ``phiward.cli.main``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User

from phiward.cli import main
from phiward.risk.analysis import accept_proposal
from phiward.risk.models import ProposalStatus, RiskAnalysis, RiskProposal
from phiward.risk.register import close_risk, rate_risk
from tests.risk.conftest import Clinic


@pytest.fixture(autouse=True)
def _keep_umask() -> Iterator[None]:
    # main() sets a private umask for the real command; give the test process its own back.
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


def run(*argv: str) -> int:
    try:
        main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert run(*argv, "--json") == 0
    return json.loads(capsys.readouterr().out)


def test_analyze_starts_a_first_analysis_and_prints_reasons(
    clinic: Clinic, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("risk", "analyze", "--org", "clinic-a") == 0
    out = capsys.readouterr().out
    analysis = RiskAnalysis.objects.get()
    assert out.startswith(f'clinic-a: analysis {analysis.pk} "Risk analysis ')
    assert "(started now)" in out
    assert "proposals: 6 created, 0 updated" in out
    assert "PROPOSED (6)" in out
    assert "[high] Laptops \u00d72 in Clinic LAN: Lost or stolen device or media" in out
    assert "encryption at rest 'None'" in out
    assert analysis.scope_all_ephi


def test_analyze_json_then_again(
    clinic: Clinic, officer: User, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run_json(capsys, "risk", "analyze", "--org", "clinic-a")
    assert isinstance(first, dict)
    assert first["analysis"]["started"] is True
    assert first["counts"]["created"] == 6
    laptops = next(p for p in first["proposals"] if p["rule"] == "portable_device_unencrypted")
    assert laptops["status"] == "proposed" and laptops["asset_count"] == 2
    assert laptops["facts"] == {"encryption_at_rest": "None"}
    assert (laptops["suggested_likelihood"], laptops["suggested_level"]) == (3, "high")
    accept_proposal(RiskProposal.objects.get(pk=laptops["id"]), officer)
    again = run_json(capsys, "risk", "analyze", "--analysis", str(first["analysis"]["id"]))
    assert isinstance(again, dict)
    assert again["analysis"]["started"] is False
    assert again["counts"]["unchanged"] == 6
    accepted = next(p for p in again["proposals"] if p["id"] == laptops["id"])
    assert (accepted["status"], accepted["risk"]) == ("accepted", "R-001")
    assert again["proposals"][0]["status"] == "proposed"  # undecided first


def test_errors_are_one_line_with_an_exit_code(
    clinic: Clinic, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("risk", "analyze", "--org", "nowhere") == 3
    assert capsys.readouterr().err.startswith("phiward: error: no organization 'nowhere'")
    assert run("risk", "analyze", "--org", "clinic-a", "--analysis", "999") == 3
    err = capsys.readouterr().err
    assert err == "phiward: error: no analysis 999 in clinic-a\n"
    assert not RiskAnalysis.objects.exists()


def test_list_and_plan(clinic: Clinic, officer: User, capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, "risk", "analyze", "--org", "clinic-a")
    proposals = {p.rule: p for p in RiskProposal.objects.filter(status=ProposalStatus.PROPOSED)}
    laptops = accept_proposal(proposals["portable_device_unencrypted"], officer)
    ehr = accept_proposal(proposals["ephi_system_without_backup"], officer)
    vendor = accept_proposal(proposals["vendor_without_baa"], officer)
    rate_risk(laptops, officer, likelihood=3, impact=2)
    rate_risk(ehr, officer, likelihood=2, impact=3)
    close_risk(vendor, officer, "BAA signed")
    clinic.lt01.encryption_at_rest = "full_disk"
    clinic.lt01.save()

    rows = run_json(capsys, "risk", "list", "--org", "clinic-a")
    assert isinstance(rows, list)
    assert [(r["reference"], r["level"], r["needs_reassessment"]) for r in rows] == [
        ("R-001", "high", True),
        ("R-002", "high", False),
    ]
    assert rows[0]["reassessment_reasons"] == [
        "Asset 'LT01': encryption at rest changed from None to Full-disk"
    ]
    closed = run_json(capsys, "risk", "list", "--org", "clinic-a", "--status", "closed")
    assert [r["reference"] for r in closed] == ["R-003"]  # type: ignore[union-attr]
    flagged = run_json(capsys, "risk", "list", "--needs-reassessment")
    assert [r["reference"] for r in flagged] == ["R-001"]  # type: ignore[union-attr]
    assert run("risk", "list", "--org", "clinic-a") == 0
    out = capsys.readouterr().out
    assert "R-001  high      open   Lost or stolen device" in out and "*re-assess*" in out
    assert "        - Asset 'LT01': encryption at rest changed" in out

    plan = run_json(capsys, "risk", "plan", "--org", "clinic-a")
    assert isinstance(plan, list)
    # Both high: the EHR server's 20,000 records come before the laptops' unknown volume.
    assert [(p["rank"], p["reference"], p["record_count"]) for p in plan] == [
        (1, "R-002", 20_000),
        (2, "R-001", None),
    ]
    assert run("risk", "plan") == 0
    out = capsys.readouterr().out
    assert "  1. R-002  high" in out and "20,000 records" in out and "critical" in out
