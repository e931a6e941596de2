"""The library's write path: add, link, change, delete under the retention rule, verify,
and the housekeeping of orphaned files."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from phiward.audit.models import AuditEntry
from phiward.core.errors import InputProblems, NotFound, PermissionDenied
from phiward.core.models import Organization
from phiward.evidence import library, storage
from phiward.evidence.library import Links
from phiward.evidence.models import (
    EvidenceAssetLink,
    EvidenceDeletion,
    EvidenceItem,
    EvidenceKind,
    EvidenceRiskLink,
    EvidenceSpecLink,
)
from phiward.evidence.storage import EvidenceFileError
from phiward.inventory.models import Asset
from phiward.risk.models import Risk
from tests.evidence.conftest import Source, backdate, make_risk, meta

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7 risk analysis signed by the security officer"


def entries(object_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=object_type).order_by("seq"))


def evidence_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in (data_dir / "evidence").rglob("*") if p.is_file())


def test_add_file_seals_it_then_saves_row_and_links(
    org: Organization,
    add_file: Callable[..., EvidenceItem],
    risk: Risk,
    asset: Asset,
    data_dir: Path,
) -> None:
    links = Links(spec_ids=("164.308-a-1-ii-A", "164.316(b)(2)(i)"), risks=(risk,), assets=(asset,))
    item = add_file(PDF, name="C:\\scans\\analysis.pdf", links=links)
    assert item.kind == EvidenceKind.FILE
    assert (item.original_name, item.media_type) == ("analysis.pdf", "application/pdf")
    assert (item.size, item.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert item.effective_on == timezone.localdate()
    assert sorted(EvidenceSpecLink.objects.filter(item=item).values_list("spec_id", flat=True)) == [
        "164.308(a)(1)(ii)(A)",
        "164.316(b)(2)(i)",
    ]
    assert EvidenceRiskLink.objects.get(item=item).risk == risk
    assert EvidenceAssetLink.objects.get(item=item).asset == asset
    assert evidence_files(data_dir) == [library.location(item).path]
    assert PDF not in library.location(item).path.read_bytes()
    assert b"".join(library.content(item)) == PDF
    # The row and every link are on the audit log, each its own entry.
    assert len(entries("evidence.evidenceitem")) == 1
    assert len(entries("evidence.evidencespeclink")) == 2
    assert len(entries("evidence.evidencerisklink")) == 1
    assert len(entries("evidence.evidenceassetlink")) == 1


def test_bad_input_writes_nothing(
    org: Organization, add_file: Callable[..., EvidenceItem], data_dir: Path
) -> None:
    with pytest.raises(InputProblems) as caught:
        add_file(PDF, title="  ")
    assert caught.value.problems[0].field == "title"
    with pytest.raises(InputProblems) as caught:
        add_file(PDF, links=Links(spec_ids=("164.999(z)", "164.308(a)(1)", "nonsense")))
    assert [p.field for p in caught.value.problems] == ["spec_ids", "spec_ids"]
    assert "164.999(z)" in caught.value.problems[0].message
    with pytest.raises(InputProblems) as caught:
        add_file(PDF, effective_on=dt.date(2026, 5, 1), expires_on=dt.date(2026, 4, 1))
    assert caught.value.problems[0].field == "expires_on"
    assert not EvidenceItem.objects.exists()
    assert evidence_files(data_dir) == []


def test_a_failed_row_save_removes_the_sealed_file(
    org: Organization,
    add_file: Callable[..., EvidenceItem],
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: EvidenceItem, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(EvidenceItem, "save", broken)
    with pytest.raises(RuntimeError):
        add_file(PDF)
    assert evidence_files(data_dir) == []


def test_links_and_records(org: Organization, owner: User) -> None:
    link = library.add_link(
        org,
        " https://intranet.example/policies/access ",
        meta=meta("Policy"),
        links=Links(),
        user=owner,
    )
    assert (link.url, link.sha256, link.uploaded_by) == (
        "https://intranet.example/policies/access",
        "",
        owner,
    )
    with pytest.raises(NotFound):
        library.content(link)
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "not an address"):
        with pytest.raises(InputProblems) as caught:
            library.add_link(org, bad, meta=meta("x"), links=Links(), user=None)
        assert caught.value.problems[0].field == "url"

    document = {"check": "tls_endpoint_min_version_1_2", "status": "PASS", "é": [1, 2.5]}
    made = library.add_record(org, document, meta=meta("TLS check"), links=Links(), user=None)
    text = '{"check":"tls_endpoint_min_version_1_2","status":"PASS","é":[1,2.5]}'
    assert made.document == text
    assert made.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert b"".join(library.content(made)) == text.encode()
    raw = _raw(made, "document")
    assert raw.startswith("pw1.") and "PASS" not in raw  # encrypted at rest like files
    with pytest.raises(InputProblems) as caught:
        library.add_record(org, ["not", "an", "object"], meta=meta("x"), links=Links(), user=None)
    assert caught.value.problems[0].field == "document"


def _raw(item: EvidenceItem, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM evidence_evidenceitem WHERE id = %s", [item.pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def test_links_are_changed_one_row_at_a_time(
    org: Organization, add_file: Callable[..., EvidenceItem], risk: Risk, asset: Asset
) -> None:
    item = add_file(links=Links(spec_ids=("164.308(a)(1)(ii)(A)",), assets=(asset,)))
    before = AuditEntry.objects.count()
    library.set_links(item, Links(spec_ids=("164.308(a)(1)(ii)(A)", "164.312(b)"), risks=(risk,)))
    assert library.current_links(item) == Links(
        spec_ids=("164.308(a)(1)(ii)(A)", "164.312(b)"), risks=(risk,), assets=()
    )
    new = AuditEntry.objects.filter(seq__gte=before).values_list("object_type", "action")
    assert sorted(new) == [
        ("evidence.evidenceassetlink", "delete"),
        ("evidence.evidencerisklink", "create"),
        ("evidence.evidencespeclink", "create"),
    ]


def test_links_to_another_organization_are_refused(
    org: Organization, other_org: Organization, add_file: Callable[..., EvidenceItem]
) -> None:
    foreign = make_risk(other_org, 9)
    with pytest.raises(InputProblems):
        add_file(links=Links(risks=(foreign,)))
    with pytest.raises(InputProblems) as caught:
        library.risks(org, [foreign.pk, 2**70])
    assert [p.field for p in caught.value.problems] == ["risk_ids", "risk_ids"]


def test_content_cannot_change_but_metadata_can(
    org: Organization, add_file: Callable[..., EvidenceItem], owner: User
) -> None:
    item = add_file()
    with pytest.raises(InputProblems) as caught:
        library.update(item, {"sha256": "0" * 64})
    assert caught.value.problems[0].field == "sha256"
    item.refresh_from_db()
    item.sha256 = "1" * 64  # a writer that bypasses the library is stopped by the model
    with pytest.raises(InputProblems, match="cannot change"):
        library.update(item, {"title": "Renamed"})
    item.refresh_from_db()
    library.update(
        item,
        {"title": "Renamed", "reviewer": owner, "reviewed_on": timezone.localdate()},
    )
    item.refresh_from_db()
    assert (item.title, item.reviewer) == ("Renamed", owner)


def test_reviewer_must_be_a_member(
    org: Organization,
    other_org: Organization,
    add_file: Callable[..., EvidenceItem],
    make_member: Callable[..., User],
) -> None:
    stranger = make_member(other_org)
    with pytest.raises(InputProblems) as caught:
        add_file(reviewer=stranger, reviewed_on=timezone.localdate())
    assert caught.value.problems[0].field == "reviewer"


def test_supersession_ends_the_older_item(
    org: Organization, add_file: Callable[..., EvidenceItem]
) -> None:
    older = add_file(title="Policy v1", effective_on=dt.date(2024, 1, 1))
    newer = add_file(title="Policy v2")
    with pytest.raises(InputProblems) as caught:
        library.update(older, {"superseded_on": dt.date(2026, 1, 1)})
    assert caught.value.problems[0].field == "superseded_by"
    with pytest.raises(InputProblems) as caught:
        library.update(older, {"superseded_by": older, "superseded_on": dt.date(2026, 1, 1)})
    assert caught.value.problems[0].field == "superseded_by"
    library.update(older, {"superseded_by": newer, "superseded_on": dt.date(2026, 1, 1)})
    backdate(older, dt.date(2024, 1, 1))
    today = dt.date(2026, 6, 1)
    assert older.state(today).value == "superseded"
    assert older.retained_until(today) == dt.date(2031, 12, 31)


# --- deleting --------------------------------------------------------------------------------


def test_deleting_inside_retention_needs_an_owner_and_a_reason(
    org: Organization,
    add_file: Callable[..., EvidenceItem],
    owner: User,
    officer: User,
    data_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    item = add_file()
    path = library.location(item).path
    with pytest.raises(PermissionDenied, match="must be kept until"):
        library.delete(item, user=officer, may_delete_early=False, reason="tidying up")
    with pytest.raises(InputProblems) as caught:
        library.delete(item, user=owner, may_delete_early=True, reason="   ")
    assert caught.value.problems[0].field == "reason"
    assert EvidenceItem.objects.filter(pk=item.pk).exists() and path.exists()

    pk, sha = item.pk, item.sha256
    with django_capture_on_commit_callbacks(execute=True):
        tomb = library.delete(
            item, user=owner, may_delete_early=True, reason="uploaded the wrong scan"
        )
    assert not EvidenceItem.objects.filter(pk=pk).exists()
    assert not path.exists()
    tomb.refresh_from_db()
    assert (tomb.item_number, tomb.sha256, tomb.title, tomb.early) == (pk, sha, item.title, True)
    assert (tomb.reason, tomb.deleted_by, tomb.deleted_by_name) == (
        "uploaded the wrong scan",
        owner,
        owner.username,
    )
    assert tomb.retained_until > timezone.localdate()
    actions = set(AuditEntry.objects.values_list("object_type", "action"))
    assert ("evidence.evidenceitem", "delete") in actions
    assert ("evidence.evidencedeletion", "create") in actions


def test_deleting_after_retention_needs_only_delete(
    org: Organization, add_file: Callable[..., EvidenceItem], officer: User
) -> None:
    item = add_file(effective_on=dt.date(2015, 1, 1), expires_on=dt.date(2016, 1, 1))
    backdate(item, dt.date(2015, 1, 1))
    assert item.retained_until() == dt.date(2022, 1, 1)
    tomb = library.delete(item, user=officer, may_delete_early=False)
    assert (tomb.early, tomb.reason) == (False, "")
    assert EvidenceDeletion.objects.count() == 1


def test_a_rolled_back_delete_keeps_the_file(
    org: Organization,
    add_file: Callable[..., EvidenceItem],
    owner: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    item = add_file()
    path = library.location(item).path

    def broken(self: EvidenceItem, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(EvidenceItem, "delete", broken)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        library.delete(item, user=owner, may_delete_early=True, reason="x")
    assert path.exists()
    assert not EvidenceDeletion.objects.exists()


# --- verification and housekeeping ------------------------------------------------------------


def test_verify_finds_changed_missing_and_forged_content(
    org: Organization, add_file: Callable[..., EvidenceItem], data_dir: Path
) -> None:
    good = add_file(b"good", title="Good")
    changed = add_file(b"changed", title="Changed")
    missing = add_file(b"missing", title="Missing")
    record = library.add_record(org, {"a": 1}, meta=meta("Record"), links=Links(), user=None)
    library.add_link(org, "https://example.org/", meta=meta("Link"), links=Links(), user=None)
    assert library.verify(org).failures == []

    damaged = bytearray(library.location(changed).path.read_bytes())
    damaged[-5] ^= 0xFF
    library.location(changed).path.write_bytes(bytes(damaged))
    library.location(missing).path.unlink()
    # A forged hash in the database (someone edited the row directly).
    EvidenceItem.objects.filter(pk=record.pk).update(sha256="f" * 64)
    result = library.verify(org)
    failed = {c.item_id: c.problem for c in result.failures}
    assert set(failed) == {changed.pk, missing.pk, record.pk}
    assert "was changed" in failed[changed.pk]
    assert "missing" in failed[missing.pk]
    assert failed[record.pk] == "SHA-256 differs"
    assert result.hashed == 4  # the link has nothing to hash
    assert good.pk not in failed
    entry = AuditEntry.objects.filter(summary__startswith="evidence verified").last()
    assert entry is not None and entry.changes == {"failed": sorted(failed)}


def test_orphans_are_old_files_no_item_refers_to(
    org: Organization, add_file: Callable[..., EvidenceItem], data_dir: Path
) -> None:
    kept = add_file()
    stray = storage.Location(org.pk, "11111111-2222-4333-8444-555555555555")
    storage.store(Source(b"left by a crash"), stray, limit=1000)  # type: ignore[arg-type]
    partial = stray.folder / ".abc.partial"
    partial.write_bytes(b"half")
    young = storage.Location(org.pk, "99999999-2222-4333-8444-555555555555")
    storage.store(Source(b"an upload still committing"), young, limit=1000)  # type: ignore[arg-type]
    hour_ago = time.time() - 2 * 3600
    for path in (stray.path, partial, library.location(kept).path):
        os.utime(path, (hour_ago, hour_ago))
    assert sorted(library.orphans()) == sorted([stray.relative, f"evidence/{org.pk}/.abc.partial"])
    removed = library.remove_orphans()
    assert len(removed) == 2
    assert not stray.path.exists() and not partial.exists()
    assert young.path.exists() and library.location(kept).path.exists()
    assert library.orphans() == []


def test_download_name_and_media_type_cleaning() -> None:
    assert library.clean_file_name("../../etc/passwd") == "passwd"
    assert library.clean_file_name('we"ird\r\nname.txt') == "weirdname.txt"
    assert library.clean_file_name("..") == "evidence"
    assert library.clean_media_type("text/html; charset=utf-8", "x.html") == "text/html"
    assert library.clean_media_type("garbage", "scan.png") == "image/png"
    assert library.clean_media_type("", "noext") == "application/octet-stream"


def test_content_check_refuses_a_changed_file(
    org: Organization, add_file: Callable[..., EvidenceItem]
) -> None:
    item = add_file(b"original")
    storage.remove(library.location(item))
    storage.store(Source(b"replaced"), library.location(item), limit=100)  # type: ignore[arg-type]
    with pytest.raises(EvidenceFileError, match="does not match its recorded SHA-256"):
        library.content(item)
