"""``/api/catalog``: frameworks, filtered entries, one entry, problem+json for unknowns."""

from __future__ import annotations

import pytest
from django.test import Client

API = "/api/catalog"


@pytest.mark.django_db
def test_anonymous_requests_are_refused(client: Client) -> None:
    assert client.get(f"{API}/frameworks").status_code == 401


@pytest.mark.django_db
def test_frameworks(officer_client: Client) -> None:
    data = officer_client.get(f"{API}/frameworks").json()
    assert [(f["id"], f["status"], f["entry_count"]) for f in data] == [
        ("hipaa-security", "final", 68),
        ("hipaa-breach", "final", 48),
        ("nprm-2025", "proposed", 21),
    ]
    assert len(data[0]["quirks"]) == 6
    assert data[0]["families"][0] == "administrative"


@pytest.mark.django_db
def test_entries_filtered(officer_client: Client) -> None:
    url = f"{API}/frameworks/hipaa-security/entries"
    everything = officer_client.get(url).json()
    assert len(everything) == 68
    addressable = officer_client.get(url, {"requirement": "addressable"}).json()
    assert len(addressable) == 22
    technical = officer_client.get(url, {"family": "technical", "q": "encryption"}).json()
    assert [e["id"] for e in technical] == [
        "164.312(a)(1)",
        "164.312(a)(2)(iv)",
        "164.312(e)(1)",
        "164.312(e)(2)(ii)",
    ]
    assert officer_client.get(url, {"requirement": "sometimes"}).status_code == 422


@pytest.mark.django_db
def test_one_entry(officer_client: Client) -> None:
    data = officer_client.get(f"{API}/frameworks/hipaa-security/entries/164.308-b-3").json()
    assert data["id"] == "164.308(b)(3)"
    assert data["requirement"] == "required"
    assert data["nist_ids"] == ["164.308(b)(4)"]
    assert {q["id"] for q in data["quirks"]} == {
        "appendix-a-written-contract",
        "nist-written-contract",
    }
    assert data["key_activities"][0]["id"] == "KA_164.308(b)(1).3"
    standard = officer_client.get(f"{API}/frameworks/hipaa-security/entries/164.308(a)(1)").json()
    assert len(standard["children"]) == 4
    assert len(standard["key_activities"]) == 9
    assert any(c["reference"] == "SP 800-53" for c in standard["crosswalks"])


@pytest.mark.django_db
def test_unknown_entry_and_framework(officer_client: Client) -> None:
    missing = officer_client.get(f"{API}/frameworks/hipaa-security/entries/164.999")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no entry '164.999' in catalog framework 'hipaa-security'"
    assert officer_client.get(f"{API}/frameworks/hipaa-privacy/entries").status_code == 422


@pytest.mark.django_db
def test_openapi_is_typed(officer_client: Client) -> None:
    schema = officer_client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert f"{API}/frameworks/{{framework}}/entries/{{key}}" in paths
    components = schema["components"]["schemas"]
    assert {"EntryOut", "EntrySummaryOut", "FrameworkOut", "KeyActivityOut"} <= set(components)
    assert set(components["Requirement"]["enum"]) == {"required", "addressable"}
