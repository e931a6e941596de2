"""The evidence library's pages: upload, list and filters, detail, edit, delete under the
retention rule, download, and the upload route's own size limit."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from phiward.audit.models import AuditEntry
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.evidence import library, storage, uploads
from phiward.evidence.library import Links
from phiward.evidence.models import EvidenceDeletion, EvidenceItem, EvidenceKind
from phiward.inventory.models import Asset
from phiward.risk.models import Risk
from phiward.web.middleware import max_request_bytes
from tests.conftest import client_for
from tests.evidence.conftest import Source, backdate

pytestmark = pytest.mark.django_db
SCAN = b"\x89PNG fake scan of the signed BAA" * 50


def url(name: str, org: Organization, *args: object) -> str:
    return reverse(f"evidence:{name}", args=[org.slug, *args])


def upload_form(**extra: object) -> dict[str, object]:
    return {
        "kind": "file",
        "file": SimpleUploadedFile("baa-signed.png", SCAN, content_type="image/png"),
        "title": "Signed BAA with CloudEHR",
        "effective_on": "2026-01-15",
        "expires_on": "2027-01-14",
        "specs": ["164.308(b)(1)"],
        **extra,
    }


def test_upload_a_file_then_see_and_download_it(
    officer_client: Client, org: Organization, risk: Risk, asset: Asset, data_dir: Path
) -> None:
    page = officer_client.get(url("upload", org))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    response = officer_client.post(
        url("upload", org), upload_form(risks=[risk.pk], assets=[asset.pk])
    )
    item = EvidenceItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", org, item.pk)
    assert (item.original_name, item.media_type, item.size) == (
        "baa-signed.png",
        "image/png",
        len(SCAN),
    )
    assert item.sha256 == hashlib.sha256(SCAN).hexdigest()
    assert item.effective_on == dt.date(2026, 1, 15)
    assert item.uploaded_by is not None and item.uploaded_by.username.startswith("security")
    assert library.current_links(item) == Links(("164.308(b)(1)",), (risk,), (asset,))

    detail = officer_client.get(url("detail", org, item.pk)).content.decode()
    assert item.sha256 in detail and "Kept until" in detail
    assert url("download", org, item.pk) in detail

    download = officer_client.get(url("download", org, item.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == SCAN  # type: ignore[attr-defined]
    assert download["Content-Disposition"] == 'attachment; filename="baa-signed.png"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"].endswith("; sandbox")
    assert download["Content-Length"] == str(len(SCAN))
    entry = AuditEntry.objects.filter(action="download").get()
    assert (entry.object_type, entry.object_id) == ("evidence.evidenceitem", str(item.pk))


def test_html_is_never_served_inline(officer_client: Client, org: Organization) -> None:
    page = b"<script>alert(document.cookie)</script>"
    upload = SimpleUploadedFile("x.html", page, content_type="text/html")
    officer_client.post(url("upload", org), upload_form(file=upload))
    item = EvidenceItem.objects.get()
    download = officer_client.get(url("download", org, item.pk))
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_add_a_link(officer_client: Client, org: Organization) -> None:
    response = officer_client.post(
        url("upload", org),
        {
            "kind": "link",
            "url": "https://intranet.example/policy",
            "title": "Access policy",
            "effective_on": "2026-02-01",
        },
    )
    assert response.status_code == 302
    item = EvidenceItem.objects.get()
    assert (item.kind, item.url) == (EvidenceKind.LINK, "https://intranet.example/policy")
    assert officer_client.get(url("download", org, item.pk)).status_code == 404


def test_upload_form_errors_name_the_field(
    officer_client: Client, org: Organization, settings: Settings, data_dir: Path
) -> None:
    page = officer_client.post(
        url("upload", org), {"kind": "file", "title": "x", "effective_on": "2026-01-01"}
    )
    assert page.status_code == 200
    assert "Choose the file to upload." in page.content.decode()
    page = officer_client.post(
        url("upload", org),
        {"kind": "link", "url": "javascript:alert(1)", "title": "x", "effective_on": "2026-01-01"},
    )
    assert "Enter a valid URL." in page.content.decode()
    settings.PHIWARD_EVIDENCE_MAX_BYTES = 100
    page = officer_client.post(url("upload", org), upload_form())
    assert page.status_code == 200
    assert "the file is larger than the 100 bytes limit" in page.content.decode()
    assert not EvidenceItem.objects.exists()
    assert not list((data_dir / "evidence").rglob("*.pwseal"))


def test_the_upload_route_has_its_own_request_limit(
    officer_client: Client, org: Organization, settings: Settings
) -> None:
    upload = url("upload", org)
    assert uploads.WEB_UPLOAD.fullmatch(upload)
    assert uploads.API_UPLOAD.fullmatch(f"/api/organizations/{org.slug}/evidence/files")
    assert max_request_bytes(upload) == 51 * 1024 * 1024  # 50 MiB and the form's allowance
    assert max_request_bytes("/o/x/inventory/import/") == 21 * 1024 * 1024  # unchanged

    # Scaled down: a general limit of 1 MiB, an evidence limit of 3 MiB.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    settings.PHIWARD_EVIDENCE_MAX_BYTES = 3 * 1024 * 1024
    body = b"z" * (2 * 1024 * 1024 + 512 * 1024)  # over the general limit and its allowance
    elsewhere = officer_client.post(
        reverse("inventory:import", args=[org.slug]),
        {"file": SimpleUploadedFile("inventory.yaml", body)},
    )
    assert elsewhere.status_code == 413
    accepted = officer_client.post(upload, upload_form(file=SimpleUploadedFile("big.bin", body)))
    assert accepted.status_code == 302
    assert EvidenceItem.objects.get().size == len(body)
    refused = officer_client.generic(
        "POST",
        upload,
        b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(max_request_bytes(upload) + 1),
    )
    assert refused.status_code == 413
    assert "3 MiB upload limit" in refused.content.decode()


def test_uploads_stay_in_memory(
    officer_client: Client, org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a file over FILE_UPLOAD_MAX_MEMORY_SIZE never goes to a temporary file."""
    from django.core.files import uploadedfile

    def no_temp_files(*args: object, **kwargs: object) -> None:
        raise AssertionError("plaintext evidence written to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", no_temp_files)
    big = b"y" * (6 * 1024 * 1024)  # over the 5 MiB in-memory threshold
    response = officer_client.post(
        url("upload", org), upload_form(file=SimpleUploadedFile("big.bin", big))
    )
    assert response.status_code == 302
    assert EvidenceItem.objects.get().size == len(big)


def test_list_filters_and_live_search(
    officer_client: Client, org: Organization, add_file: Callable[..., EvidenceItem], risk: Risk
) -> None:
    current = add_file(
        title="Risk analysis", links=Links(spec_ids=("164.308(a)(1)(ii)(A)",), risks=(risk,))
    )
    expired = add_file(
        title="Old BAA", effective_on=dt.date(2020, 1, 1), expires_on=dt.date(2021, 1, 1)
    )
    link = library.add_link(
        org, "https://example.org/x", meta=library.Metadata("Wiki page"), links=Links(), user=None
    )

    def titles(**params: str) -> set[str]:
        response = officer_client.get(url("list", org), params)
        assert response.status_code == 200
        return {i.title for i, _ in response.context["rows"]}

    assert titles() == {"Risk analysis", "Old BAA", "Wiki page"}
    assert titles(state="expired") == {"Old BAA"}
    assert titles(state="current") == {"Risk analysis", "Wiki page"}
    assert titles(kind="link") == {"Wiki page"}
    assert titles(spec="164.308(a)(1)(ii)(A)") == {"Risk analysis"}
    assert titles(risk=str(risk.pk)) == {"Risk analysis"}
    assert titles(q="baa") == {"Old BAA"}
    assert titles(state="nonsense") == {"Risk analysis", "Old BAA", "Wiki page"}
    partial = officer_client.get(url("list", org), {"q": "wiki"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<table>" in body and "<html" not in body and "Wiki page" in body
    assert "HX-Request" in partial["Vary"]
    assert current.pk and expired.pk and link.pk


def test_list_pages(officer_client: Client, org: Organization) -> None:
    for n in range(55):
        library.add_link(
            org,
            f"https://example.org/{n}",
            meta=library.Metadata(f"Page {n}"),
            links=Links(),
            user=None,
        )
    first = officer_client.get(url("list", org))
    assert len(first.context["rows"]) == 50
    assert "page 1 of 2" in first.content.decode()
    assert len(officer_client.get(url("list", org), {"page": 2}).context["rows"]) == 5


def test_edit_dates_and_links(
    officer_client: Client, org: Organization, add_file: Callable[..., EvidenceItem], asset: Asset
) -> None:
    item = add_file(links=Links(spec_ids=("164.308(a)(1)(ii)(A)",)))
    form = officer_client.get(url("edit", org, item.pk))
    assert form.status_code == 200
    response = officer_client.post(
        url("edit", org, item.pk),
        {
            "title": "Risk analysis (signed)",
            "effective_on": "2026-03-01",
            "expires_on": "2027-03-01",
            "specs": ["164.308(a)(1)(ii)(A)", "164.308(a)(1)(ii)(B)"],
            "assets": [asset.pk],
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.expires_on) == ("Risk analysis (signed)", dt.date(2027, 3, 1))
    assert library.current_links(item).spec_ids == ("164.308(a)(1)(ii)(A)", "164.308(a)(1)(ii)(B)")
    bad = officer_client.post(
        url("edit", org, item.pk),
        {"title": "x", "effective_on": "2026-03-01", "expires_on": "2026-01-01"},
    )
    assert bad.status_code == 200
    assert "It cannot expire before it takes effect." in bad.content.decode()


def test_delete_inside_retention_is_for_owners_with_a_reason(
    org: Organization,
    add_file: Callable[..., EvidenceItem],
    officer_client: Client,
    make_member: Callable[..., User],
) -> None:
    item = add_file()
    refused = officer_client.post(url("delete", org, item.pk), {"reason": "duplicate"})
    assert refused.status_code == 200
    assert "only an owner may delete it earlier" in refused.content.decode()
    owner = client_for(make_member(org, Role.OWNER, username="boss"))
    page = owner.get(url("delete", org, item.pk)).content.decode()
    assert "must be kept until" in page
    no_reason = owner.post(url("delete", org, item.pk), {"reason": ""})
    assert "a reason is required" in no_reason.content.decode()
    assert EvidenceItem.objects.filter(pk=item.pk).exists()
    done = owner.post(url("delete", org, item.pk), {"reason": "scanned the wrong document"})
    assert done.status_code == 302
    assert not EvidenceItem.objects.filter(pk=item.pk).exists()
    tomb = EvidenceDeletion.objects.get()
    assert (tomb.reason, tomb.deleted_by_name, tomb.early) == (
        "scanned the wrong document",
        "boss",
        True,
    )
    listing = owner.get(url("deletions", org)).content.decode()
    assert "scanned the wrong document" in listing and item.sha256 in listing


def test_delete_after_retention(
    org: Organization, add_file: Callable[..., EvidenceItem], officer_client: Client
) -> None:
    item = backdate(
        add_file(effective_on=dt.date(2012, 1, 1), expires_on=dt.date(2013, 1, 1)),
        dt.date(2012, 1, 1),
    )
    page = officer_client.get(url("delete", org, item.pk)).content.decode()
    assert "retention period ended on 2019-01-01" in page
    assert officer_client.post(url("delete", org, item.pk), {}).status_code == 302
    assert EvidenceDeletion.objects.get().early is False


def test_a_tampered_file_is_not_downloaded(
    officer_client: Client, org: Organization, add_file: Callable[..., EvidenceItem]
) -> None:
    item = add_file(b"the real document")
    storage.remove(library.location(item))
    storage.store(Source(b"a forged document"), library.location(item), limit=1000)  # type: ignore[arg-type]
    response = officer_client.get(url("download", org, item.pk))
    assert response.status_code == 409
    assert b"forged" not in response.content
    assert "failed its integrity check" in response.content.decode()
    assert AuditEntry.objects.filter(summary__contains="failed its integrity check").exists()
    assert not AuditEntry.objects.filter(action="download").exists()


def test_another_organizations_evidence_is_not_found(
    officer_client: Client,
    other_org: Organization,
    org: Organization,
    add_file: Callable[..., EvidenceItem],
) -> None:
    theirs = add_file(organization=other_org)
    for name in ("detail", "edit", "delete", "download"):
        assert officer_client.get(url(name, org, theirs.pk)).status_code == 404
