"""The evidence package: every item and report, a manifest, and sums that check."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from phiward.core.errors import InvalidInput
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.evidence import library
from phiward.evidence.library import Links, Metadata
from phiward.evidence.models import EvidenceItem
from phiward.reports import package
from phiward.risk.analysis import start_analysis

pytestmark = pytest.mark.django_db

POLICY = b"%PDF-1.4 pretend this is the signed access control policy\n" * 50


@pytest.fixture
def org(make_org: Callable[..., Organization], make_member: Callable[..., User]) -> Organization:
    org = make_org(slug="riverside", name="Riverside Clinic")
    officer = make_member(org, Role.SECURITY_OFFICER, username="sofia")
    start_analysis(org, officer, title="Annual 2026")
    library.add_file(
        org,
        io.BytesIO(POLICY),
        name="Access control policy (signed).pdf",
        media_type="application/pdf",
        meta=Metadata("Access control policy"),
        links=Links(spec_ids=("164.312(a)(1)",)),
        user=officer,
    )
    library.add_record(
        org,
        {"check": "tls", "result": "pass"},
        meta=Metadata("TLS check of the portal"),
        links=Links(spec_ids=("164.312(e)(1)",)),
        user=officer,
    )
    library.add_link(
        org,
        "https://intranet.example/training",
        meta=Metadata("Training records"),
        links=Links(),
        user=officer,
    )
    return org


def _open(org: Organization) -> zipfile.ZipFile:
    with package.build(org) as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_package_holds_everything_and_sums_check(org: Organization) -> None:
    archive = _open(org)
    names = set(archive.namelist())
    assert {"manifest.json", "SHA256SUMS"} <= names
    assert "reports/riverside-risk-analysis-draft.pdf" in names
    assert "reports/riverside-safeguards-posture.pdf" in names
    assert "oscal/riverside-ssp.json" in names
    policy = next(n for n in names if n.startswith("evidence/") and n.endswith(".pdf"))
    assert archive.read(policy) == POLICY
    for line in archive.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    listed = {line.split("  ", 1)[1] for line in archive.read("SHA256SUMS").decode().splitlines()}
    assert listed == names - {"SHA256SUMS"}


def test_manifest_describes_each_item(org: Organization) -> None:
    manifest = json.loads(_open(org).read("manifest.json"))
    by_title = {item["title"]: item for item in manifest["evidence"]}
    policy = by_title["Access control policy"]
    assert policy["sha256"] == hashlib.sha256(POLICY).hexdigest()
    assert policy["spec_ids"] == ["164.312(a)(1)"] and policy["in_effect"] is True
    assert by_title["Training records"]["url"] == "https://intranet.example/training"
    assert "path" not in by_title["Training records"]
    assert by_title["TLS check of the portal"]["path"].endswith(".json")
    assert manifest["organization"]["slug"] == "riverside"


def test_tampered_evidence_stops_the_package_naming_the_item(org: Organization) -> None:
    item = EvidenceItem.objects.get(title="Access control policy")
    path = library.location(item).path
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01  # one bit of the sealed file
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidInput, match=item.reference):
        package.build(org)
