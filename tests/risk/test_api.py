"""``/api/organizations/{org}/risk/...``: analyses, answers, proposals, approval and versions,
the register, treatments and tasks, heat maps and the plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.models import (
    AnalysisVersion,
    QuestionAnswer,
    Risk,
    RiskAnalysis,
    RiskProposal,
    Treatment,
)
from tests.api.sample import API, send
from tests.conftest import client_for
from tests.risk.conftest import Clinic

pytestmark = pytest.mark.django_db

QUESTION = "SQ_164.308(a)(1).1.01"


def base(org: Organization) -> str:
    return f"{API}/{org.slug}/risk"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content[:500]
    return response.json()


def problem(response: Any, status: int = 422) -> dict[str, list[str]]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    return response.json().get("errors") or {}


def test_create_an_analysis_naming_the_wrong_fields(
    clinic: Clinic, officer_client: Client, other_org: Organization
) -> None:
    org = clinic.org
    errors = problem(
        send(officer_client, "POST", f"{base(org)}/analyses", {"title": "x", "method": "ten"})
    )
    assert "method" in errors
    foreign = RiskAnalysis.objects.create(organization=other_org, title="Theirs")
    errors = problem(
        send(
            officer_client,
            "POST",
            f"{base(org)}/analyses",
            {"title": "Lab", "scope_all_ephi": False, "asset_ids": [foreign.pk + 10_000]},
        )
    )
    assert errors["asset_ids"] == [f"No asset with id {foreign.pk + 10_000} in this organization."]
    errors = problem(
        send(
            officer_client,
            "POST",
            f"{base(org)}/analyses",
            {"title": "Lab", "scope_all_ephi": False},
        )
    )
    assert errors == {"asset_ids": ["list the assets in scope, or choose all ePHI assets"]}
    made = ok(
        send(
            officer_client,
            "POST",
            f"{base(org)}/analyses",
            {
                "title": "Lab",
                "method": "five_level",
                "scope_all_ephi": False,
                "asset_ids": [clinic.ehr.pk],
                "participants": [{"name": "Dana Lee", "role": "Security officer"}],
                "next_review_on": "2027-06-01",
            },
        ),
        201,
    )
    assert made["asset_ids"] == [clinic.ehr.pk] and made["method"] == "five_level"
    assert [p["name"] for p in made["scales"]["likelihood"]][-1] == "Very high"
    assert made["blockers"] == [] and made["changed_since_approval"] is False
    patched = ok(
        send(
            officer_client,
            "PATCH",
            f"{base(org)}/analyses/{made['id']}",
            {"title": "Lab 2026", "next_review_on": None},
        )
    )
    assert (patched["title"], patched["next_review_on"], patched["asset_ids"]) == (
        "Lab 2026",
        None,
        [clinic.ehr.pk],
    )
    listed = ok(send(officer_client, "GET", f"{base(org)}/analyses"))
    assert [a["title"] for a in listed] == ["Lab 2026"]


def test_answers_are_put_one_by_one(analysis: RiskAnalysis, officer_client: Client) -> None:
    org = analysis.organization
    path = f"{base(org)}/analyses/{analysis.pk}/answers"
    assert send(officer_client, "PUT", f"{path}/SQ_nothing", {"answer": "no"}).status_code == 404
    assert "answer" in problem(send(officer_client, "PUT", f"{path}/{QUESTION}", {"answer": "?"}))
    answer = ok(send(officer_client, "PUT", f"{path}/{QUESTION}", {"answer": "no", "note": "x"}))
    assert (answer["question_id"], answer["answer"], answer["note"]) == (QUESTION, "no", "x")
    ok(send(officer_client, "PUT", f"{path}/{QUESTION}", {"answer": "yes"}))
    assert QuestionAnswer.objects.get().answer == "yes"
    assert [a["answer"] for a in ok(send(officer_client, "GET", path))] == ["yes"]


def test_proposals_sync_accept_dismiss(
    clinic: Clinic, analysis: RiskAnalysis, officer_client: Client, officer: User
) -> None:
    org = clinic.org
    path = f"{base(org)}/analyses/{analysis.pk}/proposals"
    synced = ok(send(officer_client, "POST", f"{path}/sync"))
    assert synced["created"] == RiskProposal.objects.count() > 3
    listed = ok(send(officer_client, "GET", f"{path}?status=proposed"))
    laptops = next(p for p in listed if p["rule"] == "portable_device_unencrypted")
    assert "Laptops" in laptops["subject_label"] and laptops["reason"]
    assert laptops["threat"]["key"] == "lost-stolen-device"
    errors = problem(
        send(
            officer_client,
            "POST",
            f"{base(org)}/proposals/{laptops['id']}/accept",
            {"likelihood": 2, "owner": "nobody"},
        )
    )
    assert errors["owner"] == ["no member 'nobody' in this organization"]
    errors = problem(
        send(
            officer_client,
            "POST",
            f"{base(org)}/proposals/{laptops['id']}/accept",
            {"likelihood": 5, "impact": 2},
        )
    )
    assert errors == {"likelihood": ["likelihood must be a whole number from 1 to 3"]}
    risk = ok(
        send(
            officer_client,
            "POST",
            f"{base(org)}/proposals/{laptops['id']}/accept",
            {"likelihood": 3, "impact": 3, "owner": officer.username},
        ),
        201,
    )
    assert (risk["reference"], risk["inherent_level"], risk["level"]) == (
        "R-001",
        "critical",
        "critical",
    )
    assert {a["name"] for a in risk["assets"]} == {"LT01", "LT02"}
    assert risk["owner"]["username"] == officer.username and risk["proposal_id"] == laptops["id"]
    again = send(officer_client, "POST", f"{base(org)}/proposals/{laptops['id']}/accept", {})
    assert "accepted already" in again.json()["detail"]
    vendor = next(p for p in listed if p["rule"] == "vendor_without_baa")
    dismiss = f"{base(org)}/proposals/{vendor['id']}/dismiss"
    assert "reason" in problem(send(officer_client, "POST", dismiss, {"reason": ""}))
    dismissed = ok(send(officer_client, "POST", dismiss, {"reason": "Paper statements only"}))
    assert (dismissed["status"], dismissed["dismiss_reason"]) == (
        "dismissed",
        "Paper statements only",
    )


def _decide_everything(analysis: RiskAnalysis, client: Client) -> None:
    org = analysis.organization
    send(client, "POST", f"{base(org)}/analyses/{analysis.pk}/proposals/sync")
    for proposal in RiskProposal.objects.filter(analysis=analysis):
        accepted = send(
            client,
            "POST",
            f"{base(org)}/proposals/{proposal.pk}/accept",
            {"likelihood": 2, "impact": 3},
        )
        assert accepted.status_code == 201


def test_approval_by_an_approver_only_then_versions_and_diff(
    clinic: Clinic,
    analysis: RiskAnalysis,
    officer_client: Client,
    make_member: Callable[..., User],
) -> None:
    org = clinic.org
    path = f"{base(org)}/analyses/{analysis.pk}"
    send(officer_client, "POST", f"{path}/proposals/sync")
    errors = problem(send(officer_client, "POST", f"{path}/approve", {"note": "early"}))
    assert any("is undecided" in m for m in errors["proposals"])
    detail = ok(send(officer_client, "GET", path))
    assert detail["blockers"] and detail["blockers"][0]["field"] == "proposals"

    _decide_everything(analysis, officer_client)
    privacy = client_for(make_member(org, Role.PRIVACY_OFFICER))
    assert send(privacy, "POST", f"{path}/approve", {"note": "mine"}).status_code == 403
    version = ok(send(officer_client, "POST", f"{path}/approve", {"note": "Signed"}), 201)
    assert (version["number"], version["verified"], version["note"]) == (1, True, "Signed")
    assert version["digest"] == AnalysisVersion.objects.get().digest

    risk = Risk.objects.get(number=1)
    ok(
        send(
            officer_client,
            "PUT",
            f"{base(org)}/risks/{risk.pk}/rating",
            {"likelihood": 3, "impact": 3},
        )
    )
    since = ok(send(officer_client, "GET", f"{path}/diff"))
    assert (since["before"], since["after"], since["empty"]) == (1, None, False)
    (changed,) = since["changed"]
    assert changed["reference"] == "R-001"
    assert {"field": "inherent_level", "before": "high", "after": "critical"} in changed["changes"]
    ok(send(officer_client, "POST", f"{path}/approve", {}), 201)
    between = ok(send(officer_client, "GET", f"{path}/diff?before=1&after=2"))
    assert between["changed"][0]["reference"] == "R-001"
    assert ok(send(officer_client, "GET", f"{path}/diff?before=2&after=2"))["empty"] is True
    assert send(officer_client, "GET", f"{path}/diff?before=9").status_code == 404
    versions = ok(send(officer_client, "GET", f"{path}/versions"))
    assert [v["number"] for v in versions] == [2, 1] and all(v["verified"] for v in versions)
    first = ok(send(officer_client, "GET", f"{path}/versions/1"))
    assert first["snapshot"]["approval"]["version"] == 1
    assert send(officer_client, "GET", f"{path}/versions/3").status_code == 404


def test_register_create_rate_filter_close_reopen(
    clinic: Clinic, analysis: RiskAnalysis, officer_client: Client, officer: User
) -> None:
    org = clinic.org
    path = f"{base(org)}/risks"
    errors = problem(
        send(
            officer_client,
            "POST",
            path,
            {"title": "Phishing", "threat": "nope", "vulnerability": "no-mfa", "vendor_id": 10**9},
        )
    )
    assert errors == {"vendor_id": ["No vendor with id 1000000000 in this organization."]}
    errors = problem(
        send(
            officer_client,
            "POST",
            path,
            {"title": "Phishing", "threat": "nope", "vulnerability": "no-mfa"},
        )
    )
    assert errors == {"threat": ["no threat 'nope' in the catalog"]}
    made = ok(
        send(
            officer_client,
            "POST",
            path,
            {
                "title": "Phishing",
                "threat": "phishing-credential-theft",
                "vulnerability": "no-mfa",
                "asset_ids": [clinic.ehr.pk],
                "likelihood": 3,
                "impact": 2,
            },
        ),
        201,
    )
    assert (made["analysis_id"], made["inherent_level"]) == (analysis.pk, "high")
    unrated = ok(
        send(
            officer_client,
            "POST",
            path,
            {"title": "Flood", "threat": "ransomware", "vulnerability": "no-mfa"},
        ),
        201,
    )
    errors = problem(
        send(
            officer_client,
            "PUT",
            f"{path}/{made['id']}/rating",
            {"likelihood": 2, "impact": 2, "residual_likelihood": 3, "residual_impact": 1},
        )
    )
    assert errors == {
        "residual_likelihood": ["the residual likelihood cannot exceed the inherent likelihood"]
    }
    rated = ok(
        send(
            officer_client,
            "PUT",
            f"{path}/{made['id']}/rating",
            {"likelihood": 2, "impact": 2, "residual_likelihood": 1, "residual_impact": 2,
             "owner": officer.username},
        )
    )  # fmt: skip
    assert (rated["level"], rated["residual_level"], rated["owner"]["username"]) == (
        "low",
        "low",
        officer.username,
    )
    patched = ok(
        send(officer_client, "PATCH", f"{path}/{made['id']}", {"owner": None, "asset_ids": []})
    )
    assert patched["owner"] is None and patched["assets"] == []

    def refs(query: str) -> list[str]:
        return [r["reference"] for r in ok(send(officer_client, "GET", f"{path}?{query}"))["items"]]

    assert refs("") == ["R-001", "R-002"]
    assert refs("unrated=true") == [unrated["reference"]]
    assert refs("level=low") == ["R-001"]
    assert refs("threat=phishing-credential-theft") == ["R-001"]
    assert refs("q=flood") == ["R-002"]
    assert refs("limit=1&offset=1") == ["R-002"]
    assert send(officer_client, "GET", f"{path}?level=huge").status_code == 422

    assert "reason" in problem(
        send(officer_client, "POST", f"{path}/{made['id']}/close", {"reason": " "})
    )
    closed = ok(send(officer_client, "POST", f"{path}/{made['id']}/close", {"reason": "Gone"}))
    assert (closed["status"], closed["close_reason"]) == ("closed", "Gone")
    assert refs("status=open") == ["R-002"]
    reopened = ok(send(officer_client, "POST", f"{path}/{made['id']}/reopen", {"reason": "Back"}))
    assert reopened["needs_reassessment"] is True
    assert reopened["reassessment_reasons"][0]["reason"] == "Re-opened: Back"
    confirmed = ok(send(officer_client, "POST", f"{path}/{made['id']}/confirm", {"note": ""}))
    assert confirmed["needs_reassessment"] is False and confirmed["reassessment_reasons"] == []


def test_treatments_acceptance_and_tasks(
    analysis: RiskAnalysis,
    officer_client: Client,
    officer: User,
    make_member: Callable[..., User],
) -> None:
    org = analysis.organization
    risk = ok(
        send(
            officer_client,
            "POST",
            f"{base(org)}/risks",
            {"title": "Old ultrasound", "threat": "ransomware", "vulnerability": "no-mfa",
             "likelihood": 2, "impact": 2},
        ),
        201,
    )  # fmt: skip
    path = f"{base(org)}/risks/{risk['id']}/treatments"
    errors = problem(
        send(officer_client, "POST", path, {"strategy": "mitigate", "description": "x"})
    )
    assert set(errors) == {"owner", "due_on"}
    expiry = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    accept = ok(
        send(
            officer_client,
            "POST",
            path,
            {"strategy": "accept", "description": "Keep it", "justification": "Replaced soon",
             "expires_on": expiry},
        ),
        201,
    )  # fmt: skip
    assert accept["acceptance_effective"] is False and accept["approved_by"] is None
    approve = f"{base(org)}/treatments/{accept['id']}/approve"
    privacy = client_for(make_member(org, Role.PRIVACY_OFFICER))
    assert send(privacy, "POST", approve).status_code == 403
    approved = ok(send(officer_client, "POST", approve))
    assert approved["acceptance_effective"] is True
    assert approved["approved_by"]["username"] == officer.username
    changed = ok(
        send(
            officer_client,
            "PATCH",
            f"{base(org)}/treatments/{accept['id']}",
            {"justification": "New"},
        )
    )
    assert changed["approved_by"] is None  # the terms changed: approve again
    task = ok(
        send(
            officer_client,
            "POST",
            f"{base(org)}/treatments/{accept['id']}/tasks",
            {"title": "Ask the vendor", "due_on": "2020-01-01"},
        ),
        201,
    )
    assert task["overdue"] is True
    assert "title" in problem(
        send(officer_client, "POST", f"{base(org)}/treatments/{accept['id']}/tasks", {"title": ""})
    )
    done = ok(
        send(officer_client, "PATCH", f"{base(org)}/tasks/{task['id']}", {"done_on": "2026-01-02"})
    )
    assert (done["done_on"], done["overdue"]) == ("2026-01-02", False)
    listed = ok(send(officer_client, "GET", path))
    assert [t["tasks"][0]["title"] for t in listed] == ["Ask the vendor"]
    assert Treatment.objects.get().justification == "New"


def test_heat_maps_plan_and_catalog(
    clinic: Clinic, analysis: RiskAnalysis, officer_client: Client
) -> None:
    org = clinic.org
    for title, likelihood, impact in (("A", 3, 3), ("B", 1, 2), ("C", None, None)):
        body: dict[str, Any] = {"title": title, "threat": "ransomware", "vulnerability": "no-mfa"}
        if likelihood:
            body.update(likelihood=likelihood, impact=impact, asset_ids=[clinic.ehr.pk])
        ok(send(officer_client, "POST", f"{base(org)}/risks", body), 201)
    maps = ok(send(officer_client, "GET", f"{base(org)}/analyses/{analysis.pk}/heat-maps"))
    assert maps["likelihood_names"] == ["Low", "Medium", "High"]
    cells = {
        (c["likelihood"], c["impact"]): (c["count"], c["level"]) for c in maps["inherent"]["cells"]
    }
    assert cells[(3, 3)] == (1, "critical") and cells[(1, 2)] == (1, "low")
    assert len(cells) == 9 and maps["inherent"]["unrated"] == 1
    assert maps["residual"]["unrated"] == 3
    plan = ok(send(officer_client, "GET", f"{base(org)}/plan"))
    assert [p["title"] for p in plan] == ["A", "B", "C"]
    assert plan[0]["record_count"] == 20_000 and plan[0]["criticality"] == "critical"
    threats = ok(send(officer_client, "GET", f"{base(org)}/threats"))
    assert "ransomware" in {t["key"] for t in threats}
    vulnerabilities = ok(send(officer_client, "GET", f"{base(org)}/vulnerabilities"))
    assert "no-mfa" in {v["key"] for v in vulnerabilities}


def test_another_organizations_records_are_not_found(
    analysis: RiskAnalysis, officer_client: Client, make_org: Callable[..., Organization]
) -> None:
    other = make_org("clinic-z")
    theirs = RiskAnalysis.objects.create(organization=other, title="Theirs")
    org = analysis.organization
    assert send(officer_client, "GET", f"{base(org)}/analyses/{theirs.pk}").status_code == 404
    assert send(officer_client, "GET", f"{base(other)}/analyses/{theirs.pk}").status_code == 404
    assert send(officer_client, "GET", f"{base(org)}/risks/{2**70}").status_code in (404, 422)
