"""OSCAL exports validate with compliance-trestle, are stable, and say what phiward knows."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.catalog import Catalog
from trestle.oscal.profile import Profile
from trestle.oscal.ssp import SystemSecurityPlan

from phiward.catalog import catalog
from phiward.catalog.catalog import FrameworkId
from phiward.oscal import documents


@pytest.mark.parametrize("framework_id", list(FrameworkId))
def test_catalog_is_valid_oscal_and_stable(framework_id: FrameworkId) -> None:
    framework = catalog.load(framework_id)
    built = documents.catalog(framework)
    Catalog.model_validate(built["catalog"])
    assert documents.dumps(built) == documents.dumps(documents.catalog(framework))


def _controls(node: dict[str, object]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for group in node.get("groups", []):  # type: ignore[attr-defined]
        found.extend(_controls(group))
    for control in node.get("controls", []):  # type: ignore[attr-defined]
        found.append(control)
        found.extend(_controls(control))
    return found


def test_security_rule_catalog_has_every_entry_with_requirement() -> None:
    framework = catalog.load(FrameworkId.HIPAA_SECURITY)
    controls = _controls(documents.catalog(framework)["catalog"])
    assert len(controls) == len(framework.entries) == 68
    by_id = {c["id"]: c for c in controls}
    spec = by_id["hipaa-164.312-a-2-iv"]
    props = {p["name"]: p["value"] for p in spec["props"]}  # type: ignore[index]
    assert props["label"] == "164.312(a)(2)(iv)"
    assert props["requirement"] == "addressable"
    standard = by_id["hipaa-164.308-a-1"]
    # The standard carries NIST SP 800-66r2's key activities and their sample questions.
    titles = [p.get("title", "") for p in standard["parts"]]  # type: ignore[union-attr]
    assert any("Key activity" in str(t) for t in titles)
    assert any(
        part["name"] == "assessment-objective"
        for p in standard["parts"]  # type: ignore[union-attr]
        for part in p.get("parts", [])
    )


def test_profile_is_valid() -> None:
    built = documents.profile(catalog.load(FrameworkId.HIPAA_SECURITY), "cat.json")
    Profile.model_validate(built["profile"])
    assert built["profile"]["imports"] == [{"href": "cat.json", "include-all": {}}]


NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
SYSTEM = documents.SystemFacts(
    organization_uid="a2b9c4d6-0000-4000-8000-000000000001",
    organization_name="Riverside Family Clinic",
    organization_slug="riverside",
    description="",
    information_types=[("Clinical notes", "Progress notes in the EHR")],
    component_count=42,
    generated_at=NOW,
)
IMPLEMENTATIONS = [
    documents.Implementation(
        "164.308-a-1-ii-A",
        "164.308(a)(1)(ii)(A)",
        "Risk analysis",
        "implemented",
        "An annual risk analysis in phiward.",
        requirement="required",
        evidence=[("Risk analysis report 2026", "sha256:ab12")],
    ),
    documents.Implementation(
        "164.312-a-2-iv",
        "164.312(a)(2)(iv)",
        "Encryption and decryption",
        "alternative",
        "",
        requirement="addressable",
        decision="alternative",
        rationale="Laptops hold no ePHI; VDI only.",
        gap=False,
    ),
    documents.Implementation(
        "164.312-b",
        "164.312(b)",
        "Audit controls",
        "not_implemented",
        "",
        requirement="required",
        gap=True,
        gap_reason="No audit log review.",
    ),
]
RISKS = [
    documents.RiskFacts(
        "R-001", "Audit logs unreviewed", "", "open", "High", "Medium", "high", ["164.312-b"]
    )
]


def test_ssp_is_valid_and_maps_statuses() -> None:
    built = documents.ssp(SYSTEM, IMPLEMENTATIONS, profile_href="profile.json")
    SystemSecurityPlan.model_validate(built["system-security-plan"])
    reqs = built["system-security-plan"]["control-implementation"]["implemented-requirements"]
    states = {
        r["control-id"]: r["by-components"][0]["implementation-status"]["state"] for r in reqs
    }
    assert states == {
        "hipaa-164.308-a-1-ii-A": "implemented",
        "hipaa-164.312-a-2-iv": "alternative",
        "hipaa-164.312-b": "planned",
    }
    assert "VDI only" in reqs[1]["remarks"]
    text = documents.dumps(built)
    assert text == documents.dumps(
        documents.ssp(SYSTEM, IMPLEMENTATIONS, profile_href="profile.json")
    )


def test_assessment_results_are_valid_with_findings_and_risks() -> None:
    built = documents.assessment_results(
        SYSTEM, IMPLEMENTATIONS, RISKS, assessment_plan_href="#plan", started=NOW
    )
    AssessmentResults.model_validate(built["assessment-results"])
    result = built["assessment-results"]["results"][0]
    findings = {f["target"]["target-id"]: f for f in result["findings"]}
    assert findings["hipaa-164.312-b"]["target"]["status"]["state"] == "not-satisfied"
    assert findings["hipaa-164.308-a-1-ii-A"]["target"]["status"]["state"] == "satisfied"
    risk_uuid = result["risks"][0]["uuid"]
    assert findings["hipaa-164.312-b"]["related-risks"] == [{"risk-uuid": risk_uuid}]
    facets = {f["name"]: f["value"] for f in result["risks"][0]["characterizations"][0]["facets"]}
    assert facets == {"likelihood": "High", "impact": "Medium", "risk": "high"}
    json.loads(documents.dumps(built))
