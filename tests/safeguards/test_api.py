"""``/api/organizations/{org}/safeguards``: list, get, change, approve/reject, posture."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.models import Risk
from phiward.safeguards.models import SafeguardRisk, SafeguardStatus
from tests.api.sample import API, send
from tests.conftest import client_for
from tests.safeguards.conftest import EvidenceTable

pytestmark = pytest.mark.django_db


def base(org: Organization) -> str:
    return f"{API}/{org.slug}/safeguards"


def test_list_every_entry_unassessed_and_filters(officer_client: Client, org: Organization) -> None:
    listed = send(officer_client, "GET", base(org))
    assert listed.status_code == 200
    rows = listed.json()
    assert len(rows) == 68
    first = rows[0]
    assert (first["spec_id"], first["status"], first["shown"], first["assessed"]) == (
        "164.308(a)(1)",
        "not_implemented",
        "not_implemented",
        False,
    )
    technical = send(officer_client, "GET", f"{base(org)}?family=technical&requirement=addressable")
    assert [r["spec_id"] for r in technical.json()] == [
        "164.312(a)(2)(iii)",
        "164.312(a)(2)(iv)",
        "164.312(c)(2)",
        "164.312(e)(2)(i)",
        "164.312(e)(2)(ii)",
    ]
    assert send(officer_client, "GET", f"{base(org)}?status=done").status_code == 422
    assert not SafeguardStatus.objects.exists()


def test_patch_by_key_or_id_and_evidence_effect(
    officer_client: Client, org: Organization, officer: User, evidence: EvidenceTable
) -> None:
    changed = send(
        officer_client,
        "PATCH",
        f"{base(org)}/164.312-b",
        {
            "status": "implemented",
            "owner": officer.username,
            "description": "SIEM collects EHR audit logs",
            "policies": [{"title": "Logging standard", "reference": "STD-4"}],
        },
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["shown"] == "evidence_missing"
    assert body["shown_label"] == "Implemented — evidence missing"
    assert body["owner"] == {"username": officer.username, "name": officer.username}
    assert body["policies"] == [{"title": "Logging standard", "url": "", "reference": "STD-4"}]
    assert body["last_reviewed_by"]["username"] == officer.username
    evidence[org.slug] = {"164.312(b)": (2, 1)}
    fetched = send(officer_client, "GET", f"{base(org)}/164.312(b)").json()
    assert fetched["shown"] == "implemented"
    assert fetched["evidence"] == {"current": 2, "expired": 1}
    cleared = send(officer_client, "PATCH", f"{base(org)}/164.312-b", {"owner": None})
    assert cleared.json()["owner"] is None


def test_patch_errors_name_fields(
    officer_client: Client,
    org: Organization,
    other_org: Organization,
    make_member: Callable[..., User],
) -> None:
    make_member(other_org, Role.OWNER, username="stranger")
    cases: list[tuple[dict[str, object], str]] = [
        ({"status": "implemented"}, "decision"),
        ({"decision": "alternative", "status": "implemented"}, "alternative"),
        ({"owner": "stranger"}, "owner"),
        ({"status": "finished"}, "status"),
        ({"risk_ids": [999999]}, "risk_ids"),
        ({"policies": [{"title": "X", "url": "ftp://example"}]}, "policies"),
    ]
    for payload, field in cases:
        answer = send(officer_client, "PATCH", f"{base(org)}/164.312-a-2-iv", payload)
        assert answer.status_code == 422, (payload, answer.content)
        assert field in answer.json()["errors"], (payload, answer.json())
    assert not SafeguardStatus.objects.exists()
    assert send(officer_client, "PATCH", f"{base(org)}/164.999-z", {}).status_code == 404
    assert send(officer_client, "GET", f"{base(org)}/nprm-encryption").status_code == 404


def test_risk_ids_set_the_links(
    officer_client: Client,
    org: Organization,
    other_org: Organization,
    make_risk: Callable[..., Risk],
) -> None:
    first, second = make_risk(org, "Ransomware"), make_risk(org, "Phishing")
    foreign = make_risk(other_org, "Elsewhere")
    path = f"{base(org)}/164.308-a-1-ii-B"
    linked = send(officer_client, "PATCH", path, {"risk_ids": [first.pk, second.pk]})
    assert [r["id"] for r in linked.json()["risks"]] == [first.pk, second.pk]
    assert linked.json()["assessed"] is True  # linking created the row
    refused = send(officer_client, "PATCH", path, {"risk_ids": [foreign.pk]})
    assert refused.status_code == 422
    kept = send(officer_client, "PATCH", path, {"risk_ids": [second.pk]})
    assert [r["reference"] for r in kept.json()["risks"]] == [second.reference]
    assert SafeguardRisk.objects.count() == 1


def test_approve_and_reject_not_applicable(
    officer_client: Client, org: Organization, make_member: Callable[..., User]
) -> None:
    path = f"{base(org)}/164.314-b-1"
    asked = send(
        officer_client,
        "PATCH",
        path,
        {"status": "not_applicable", "na_reason": "We sponsor no group health plan."},
    )
    na = asked.json()["not_applicable"]
    assert na["pending"] is True and asked.json()["shown"] == "na_pending"
    own = send(officer_client, "POST", f"{path}/approve")
    assert own.status_code == 422 and "na_approved_by" in own.json()["errors"]
    privacy = client_for(make_member(org, Role.PRIVACY_OFFICER))
    assert send(privacy, "POST", f"{path}/approve").status_code == 403
    owner = client_for(make_member(org, Role.OWNER))
    approved = send(owner, "POST", f"{path}/approve")
    assert approved.status_code == 200
    assert approved.json()["shown"] == "not_applicable"
    assert approved.json()["not_applicable"]["approved_by"]["username"] == "owner-clinic-a"
    again = send(owner, "POST", f"{path}/approve")
    assert again.status_code == 422
    send(officer_client, "PATCH", path, {"na_reason": "Changed reason."})
    assert send(owner, "POST", f"{path}/reject", {"note": ""}).status_code == 422
    rejected = send(owner, "POST", f"{path}/reject", {"note": "We do sponsor one."})
    assert rejected.json()["status"] == "not_implemented"
    assert rejected.json()["not_applicable"] is None


def test_posture_json_with_and_without_the_lens(
    officer_client: Client, org: Organization, officer: User, evidence: EvidenceTable
) -> None:
    send(officer_client, "PATCH", f"{base(org)}/164.312-b", {"status": "implemented"})
    evidence[org.slug] = {"164.312(b)": (1, 0)}
    plain = send(officer_client, "GET", f"{base(org)}/posture")
    assert plain.status_code == 200, plain.content
    data = plain.json()
    assert data["nprm"] is None
    assert data["overall"]["counts"]["implemented"] == 1
    assert data["overall"]["score"] == round(1 / 68, 4)
    assert len(data["gaps"]) == 67
    technical = next(f for f in data["families"] if f["family"] == "technical")
    assert technical["required"]["counts"]["implemented"] == 1
    lensed = send(officer_client, "GET", f"{base(org)}/posture?nprm=true").json()["nprm"]
    assert lensed["status"] == "proposed"
    assert len(lensed["becomes_required"]) == 22


def test_other_organization_is_404(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    outsider = client_for(make_member(other_org, Role.OWNER, username="outsider"))
    assert send(outsider, "GET", base(org)).status_code == 404
    assert (
        send(outsider, "PATCH", f"{base(org)}/164.312-b", {"status": "planned"}).status_code == 404
    )
    assert not SafeguardStatus.objects.exists()
