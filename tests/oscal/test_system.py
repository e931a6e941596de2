"""An organization's SSP and assessment results: valid OSCAL that says what was recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.ssp import SystemSecurityPlan

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.oscal import documents, system
from phiward.risk.analysis import start_analysis
from phiward.risk.register import add_risk
from phiward.safeguards import services as safeguards
from tests.api.sample import build_inventory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(
    make_org: Callable[..., Organization], make_member: Callable[..., User]
) -> Organization:
    org = make_org(slug="riverside", name="Riverside Clinic")
    officer = make_member(org, Role.SECURITY_OFFICER, username="sofia")
    build_inventory(org)
    safeguards.update(
        org,
        "164.308(a)(1)(ii)(A)",
        {"status": "implemented", "description": "Annual risk analysis in phiward."},
        by=officer,
    )
    safeguards.update(
        org,
        "164.312(a)(2)(iv)",
        {
            "status": "implemented",
            "decision": "alternative",
            "alternative": "Thin clients keep no ePHI on the device.",
            "rationale": "Full-disk encryption is moot on stateless terminals.",
        },
        by=officer,
    )
    analysis = start_analysis(org, officer, title="2026")
    risk = add_risk(
        analysis,
        officer,
        title="Audit logs are never reviewed",
        threat="insider-snooping",
        vulnerability="no-audit-log-review",
        likelihood=3,
        impact=2,
    )
    safeguards.link_risk(org, "164.312(b)", risk)
    return org


def _requirements(ssp: dict[str, Any]) -> dict[str, dict[str, Any]]:
    reqs = ssp["system-security-plan"]["control-implementation"]["implemented-requirements"]
    return {r["control-id"]: r for r in reqs}


def test_ssp_validates_and_carries_statuses_and_decisions(program: Organization) -> None:
    built = system.export_ssp(program)
    SystemSecurityPlan.model_validate(built["system-security-plan"])
    reqs = _requirements(built)
    assert len(reqs) == 68
    analysis = reqs["hipaa-164.308-a-1-ii-A"]
    assert analysis["by-components"][0]["implementation-status"]["state"] == "implemented"
    assert analysis["by-components"][0]["description"] == "Annual risk analysis in phiward."
    encryption = reqs["hipaa-164.312-a-2-iv"]
    assert encryption["by-components"][0]["implementation-status"]["state"] == "alternative"
    assert "Thin clients" in encryption["remarks"]
    assert reqs["hipaa-164.312-b"]["by-components"][0]["implementation-status"]["state"] == (
        "planned"
    )
    types = built["system-security-plan"]["system-characteristics"]["system-information"]
    assert [t["title"] for t in types["information-types"]] == ["Clinical notes"]


def test_assessment_results_validate_with_findings_linked_to_risks(program: Organization) -> None:
    built = system.export_assessment_results(program)
    AssessmentResults.model_validate(built["assessment-results"])
    result = built["assessment-results"]["results"][0]
    findings = {f["target"]["target-id"]: f for f in result["findings"]}
    audit = findings["hipaa-164.312-b"]
    assert audit["target"]["status"]["state"] == "not-satisfied"
    risk = next(r for r in result["risks"] if r["uuid"] == audit["related-risks"][0]["risk-uuid"])
    assert risk["title"].startswith("R-001")
    # Implemented with no evidence on file: shown as a gap, not satisfied.
    assert findings["hipaa-164.308-a-1-ii-A"]["target"]["status"]["state"] == "not-satisfied"
    assert "evidence missing" in findings["hipaa-164.308-a-1-ii-A"]["description"].lower()


def test_exports_are_stable(program: Organization) -> None:
    first = documents.dumps(system.export_ssp(program))
    second = documents.dumps(system.export_ssp(program))
    # Only the generation time may differ between two exports.
    strip = [
        line
        for line in first.splitlines()
        if "last-modified" not in line and '"version"' not in line
    ]
    again = [
        line
        for line in second.splitlines()
        if "last-modified" not in line and '"version"' not in line
    ]
    assert strip == again
