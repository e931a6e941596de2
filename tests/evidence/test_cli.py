"""`phiward evidence add | list | verify | get | clean`."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from phiward.audit.models import AuditEntry
from phiward.cli import main
from phiward.core.models import Organization
from phiward.evidence import library, storage
from phiward.evidence.models import EvidenceItem
from phiward.inventory.models import Asset
from phiward.risk.models import Risk

pytestmark = pytest.mark.django_db
REPORT = b"Vulnerability scan report, 2026-Q3: 0 critical findings."


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    capsys.readouterr()
    main(list(args))
    captured = capsys.readouterr()
    return captured.out, captured.err


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return int(str(exited.value.code)), capsys.readouterr().err.strip()


def test_add_list_get(
    org: Organization,
    risk: Risk,
    asset: Asset,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "scan-q3.pdf"
    source.write_bytes(REPORT)
    out, _ = run(
        capsys,
        "evidence",
        "add",
        str(source),
        "--org",
        org.slug,
        "--title",
        "Q3 scan",
        "--spec",
        "164.308(a)(8)",
        "--spec",
        "164.308-a-1-ii-A",
        "--risk",
        "R-001",
        "--asset",
        asset.name,
        "--effective",
        "2026-09-30",
        "--expires",
        "2026-12-31",
        "--json",
    )
    added = json.loads(out)
    assert added["sha256"] == hashlib.sha256(REPORT).hexdigest()
    assert added["spec_ids"] == ["164.308(a)(1)(ii)(A)", "164.308(a)(8)"]
    item = EvidenceItem.objects.get(pk=added["id"])
    assert (item.original_name, item.media_type) == ("scan-q3.pdf", "application/pdf")
    assert library.current_links(item).risks == (risk,)
    created = AuditEntry.objects.get(object_type="evidence.evidenceitem", action="create")
    assert (created.source, created.actor.startswith("os:")) == ("cli", True)

    out, _ = run(
        capsys,
        "evidence",
        "add",
        "--url",
        "https://wiki.example/ir-plan",
        "--org",
        org.slug,
        "--title",
        "IR plan",
    )
    assert out.startswith("added E-")

    listed = json.loads(run(capsys, "evidence", "list", "--org", org.slug, "--json")[0])
    assert [row["title"] for row in listed] == ["Q3 scan", "IR plan"]
    only = json.loads(
        run(capsys, "evidence", "list", "--org", org.slug, "--spec", "164.308(a)(8)", "--json")[0]
    )
    assert [row["id"] for row in only] == [item.pk]
    assert (
        json.loads(run(capsys, "evidence", "list", "--org", org.slug, "--expired", "--json")[0])
        == []
    )
    text, _ = run(capsys, "evidence", "list", "--org", org.slug)
    assert "Q3 scan" in text and "IR plan" in text

    target = tmp_path / "out" / "copy.pdf"
    target.parent.mkdir()
    _, err = run(capsys, "evidence", "get", str(item.pk), "--out", str(target))
    assert target.read_bytes() == REPORT
    assert target.stat().st_mode & 0o777 == 0o600
    assert "SHA-256" in err
    assert AuditEntry.objects.filter(action="download", object_id=str(item.pk)).exists()
    code, err = fails(capsys, "evidence", "get", str(item.pk), "--out", str(target))
    assert (code, "exists" in err) == (2, True)


def test_add_refuses_bad_input(
    org: Organization, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes(b"x")
    code, err = fails(capsys, "evidence", "add", "--org", org.slug, "--title", "x")
    assert (code, err) == (2, "phiward: error: give either FILE or --url")
    code, err = fails(
        capsys, "evidence", "add", str(source), "--org", org.slug, "--title", "x", "--spec", "164.9"
    )
    assert code == 2 and "field '--spec'" in err and "164.9" in err
    code, err = fails(
        capsys, "evidence", "add", str(source), "--org", org.slug, "--title", "x", "--risk", "R-404"
    )
    assert code == 2 and "no risk R-404" in err
    assert not EvidenceItem.objects.exists()


def test_verify_detects_tampering(
    org: Organization,
    add_file: Callable[..., EvidenceItem],
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = add_file(b"good")
    bad = add_file(b"will be damaged", title="Damaged")
    out, _ = run(capsys, "evidence", "verify", "--org", org.slug, "--json")
    assert json.loads(out)["failed"] == 0
    path = library.location(bad).path
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0x10
    path.write_bytes(bytes(raw))
    code, err = fails(capsys, "evidence", "verify", "--org", org.slug)
    assert code == 7
    assert err.splitlines()[-1].startswith(
        f"phiward: error: evidence verification failed: item {bad.pk}"
    )
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["evidence", "verify", "--org", org.slug, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert [i["id"] for i in report["items"] if i["ok"] is False] == [bad.pk]
    assert good.pk in [i["id"] for i in report["items"] if i["ok"]]
    code, _ = fails(capsys, "evidence", "get", str(bad.pk), "--out", str(path.parent / "x"))
    assert code == 7
    assert not (path.parent / "x").exists()


def test_clean_removes_old_orphans(
    org: Organization, add_file: Callable[..., EvidenceItem], capsys: pytest.CaptureFixture[str]
) -> None:
    kept = add_file()
    orphan = storage.Location(org.pk, "12345678-1234-4234-8234-123456789012")
    storage.store(open(os.devnull, "rb"), orphan, limit=10)  # noqa: SIM115
    old = time.time() - 7200
    os.utime(orphan.path, (old, old))
    out, _ = run(capsys, "evidence", "clean", "--dry-run", "--json")
    assert json.loads(out) == {"removed": [], "found": [orphan.relative]}
    assert orphan.path.exists()
    out, _ = run(capsys, "evidence", "clean", "--json")
    assert json.loads(out)["removed"] == [orphan.relative]
    assert not orphan.path.exists() and library.location(kept).path.exists()
