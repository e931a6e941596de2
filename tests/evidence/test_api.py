"""The evidence API: JSON links and records, multipart uploads, downloads, changes, deletes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from phiward.audit.models import AuditEntry
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.evidence import library
from phiward.evidence.library import Links
from phiward.evidence.models import EvidenceDeletion, EvidenceItem
from phiward.inventory.models import Asset
from phiward.risk.models import Risk
from phiward.tokens.lifecycle import create_token
from tests.conftest import client_for
from tests.evidence.conftest import backdate

pytestmark = pytest.mark.django_db
POLICY = b"Access control policy, version 3, approved by the security officer."


def api(org: Organization, rest: str = "") -> str:
    return f"/api/organizations/{org.slug}/evidence{rest}"


def test_upload_get_list_and_download(
    officer_client: Client, org: Organization, risk: Risk, asset: Asset
) -> None:
    response = officer_client.post(
        api(org, "/files"),
        {
            "file": SimpleUploadedFile("policy.txt", POLICY, content_type="text/plain"),
            "title": "Access control policy",
            "effective_on": "2026-02-01",
            "expires_on": "2027-02-01",
            "spec_ids": ["164.312(a)(1)", "164.308-a-4-ii-B"],
            "risk_ids": [risk.pk],
            "asset_ids": [asset.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "file"
    assert body["sha256"] == hashlib.sha256(POLICY).hexdigest()
    assert (body["size"], body["media_type"], body["original_name"]) == (
        len(POLICY),
        "text/plain",
        "policy.txt",
    )
    assert body["spec_ids"] == ["164.308(a)(4)(ii)(B)", "164.312(a)(1)"]
    assert (body["risk_ids"], body["asset_ids"]) == ([risk.pk], [asset.pk])
    assert body["state"] == "current"
    assert body["retained_until"] >= "2032-"
    item_id = body["id"]

    assert officer_client.get(api(org, f"/{item_id}")).json() == body
    listed = officer_client.get(api(org), {"spec": "164.312-a-1"}).json()
    assert (listed["count"], listed["items"][0]["id"]) == (1, item_id)
    assert officer_client.get(api(org), {"state": "expired"}).json()["count"] == 0
    assert officer_client.get(api(org), {"risk": risk.pk, "asset": asset.pk}).json()["count"] == 1

    download = officer_client.get(api(org, f"/{item_id}/content"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == POLICY  # type: ignore[attr-defined]
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="policy.txt"'
    assert AuditEntry.objects.filter(action="download", object_id=str(item_id)).count() == 1


def test_create_links_and_records(officer_client: Client, org: Organization) -> None:
    link = officer_client.post(
        api(org),
        {"kind": "link", "title": "Training records", "url": "https://lms.example/report"},
        content_type="application/json",
    )
    assert link.status_code == 201, link.content
    assert link.json()["url"] == "https://lms.example/report"
    assert officer_client.get(api(org, f"/{link.json()['id']}/content")).status_code == 404

    document = {"check": "tls_endpoint_min_version_1_2", "status": "FAIL", "host": "portal"}
    made = officer_client.post(
        api(org),
        {
            "kind": "record",
            "title": "TLS check",
            "document": document,
            "spec_ids": ["164.312(e)(1)"],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    record = made.json()
    download = officer_client.get(api(org, f"/{record['id']}/content"))
    content = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert hashlib.sha256(content).hexdigest() == record["sha256"]
    assert download["Content-Disposition"] == f'attachment; filename="evidence-{record["id"]}.json"'


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "link", "title": "x", "url": "javascript:alert(1)"}, "url"),
        ({"kind": "link", "title": " ", "url": "https://example.org"}, "title"),
        (
            {"kind": "link", "title": "x", "url": "https://e.org", "spec_ids": ["164.999"]},
            "spec_ids",
        ),
        ({"kind": "link", "title": "x", "url": "https://e.org", "risk_ids": [999999]}, "risk_ids"),
        ({"kind": "link", "title": "x", "url": "https://e.org", "reviewer": "nobody"}, "reviewer"),
        ({"kind": "record", "title": "x"}, "document"),
        ({"kind": "record", "title": "x", "document": {}, "url": "https://e.org"}, "url"),
        (
            {
                "kind": "link",
                "title": "x",
                "url": "https://e.org",
                "effective_on": "2026-05-01",
                "expires_on": "2026-01-01",
            },
            "expires_on",
        ),
        (
            {"kind": "link", "title": "x", "url": "https://e.org", "effective_on": "9999-12-31"},
            "effective_on",
        ),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    officer_client: Client, org: Organization, body: dict[str, object], field: str
) -> None:
    response = officer_client.post(api(org), body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not EvidenceItem.objects.exists()


def test_an_oversized_upload_is_a_422_on_the_file(
    officer_client: Client, org: Organization, settings: object
) -> None:
    settings.PHIWARD_EVIDENCE_MAX_BYTES = 10  # type: ignore[attr-defined]
    response = officer_client.post(
        api(org, "/files"), {"file": SimpleUploadedFile("a.txt", POLICY), "title": "Too big"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"file": ["the file is larger than the 10 bytes limit"]}


def test_patch_metadata_and_links(
    officer_client: Client,
    org: Organization,
    add_file: Callable[..., EvidenceItem],
    asset: Asset,
    officer: User,
) -> None:
    item = add_file(links=Links(spec_ids=("164.308(a)(1)(ii)(A)",)))
    newer = add_file(title="Newer")
    response = officer_client.patch(
        api(org, f"/{item.pk}"),
        {
            "reviewer": officer.username,
            "reviewed_on": "2026-03-03",
            "asset_ids": [asset.pk],
            "superseded_by_id": newer.pk,
            "superseded_on": "2026-04-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reviewer"] == officer.username
    assert body["spec_ids"] == ["164.308(a)(1)(ii)(A)"]  # not given: kept
    assert body["asset_ids"] == [asset.pk]
    assert body["superseded_by_id"] == newer.pk
    cleared = officer_client.patch(
        api(org, f"/{item.pk}"), {"spec_ids": []}, content_type="application/json"
    ).json()
    assert cleared["spec_ids"] == [] and cleared["asset_ids"] == [asset.pk]
    bad = officer_client.patch(
        api(org, f"/{item.pk}"), {"superseded_by_id": item.pk}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert "superseded_by_id" in bad.json()["errors"]


def test_delete_follows_the_retention_rule(
    officer_client: Client,
    org: Organization,
    add_file: Callable[..., EvidenceItem],
    make_member: Callable[..., User],
) -> None:
    item = add_file()
    refused = officer_client.delete(api(org, f"/{item.pk}") + "?reason=duplicate")
    assert refused.status_code == 403
    assert "must be kept until" in refused.json()["detail"]
    boss = make_member(org, Role.OWNER, username="boss")
    owner = client_for(boss)
    no_reason = owner.delete(api(org, f"/{item.pk}"))
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["errors"]
    # An owner's token with a lesser role may not delete early either.
    _, secret = create_token(org, creator=boss, name="ci", role=Role.SECURITY_OFFICER)
    by_token = Client().delete(
        api(org, f"/{item.pk}") + "?reason=x", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert by_token.status_code == 403
    assert owner.delete(api(org, f"/{item.pk}") + "?reason=wrong+file").status_code == 204
    deletions = owner.get(f"/api/organizations/{org.slug}/evidence-deletions").json()
    assert deletions["count"] == 1
    assert deletions["items"][0]["reason"] == "wrong file"
    assert deletions["items"][0]["early"] is True
    old = backdate(
        add_file(effective_on=dt.date(2010, 1, 1), expires_on=dt.date(2011, 1, 1)),
        dt.date(2010, 1, 1),
    )
    assert officer_client.delete(api(org, f"/{old.pk}")).status_code == 204
    assert EvidenceDeletion.objects.count() == 2


def test_a_tampered_file_download_is_a_409(
    officer_client: Client, org: Organization, add_file: Callable[..., EvidenceItem]
) -> None:
    item = add_file(b"original")
    library.location(item).path.write_bytes(b"PWSEAL1\n" + b"\x00" * 40)
    response = officer_client.get(api(org, f"/{item.pk}/content"))
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert not AuditEntry.objects.filter(action="download").exists()
