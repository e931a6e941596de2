"""`phiward backup` carries the evidence files and `restore --verify` checks them: every file
of the restored rows is there, opens with its item's key and matches its SHA-256."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from phiward.backup.manifest import Manifest
from phiward.backup.service import Restored
from phiward.core.models import Organization
from phiward.evidence import library
from phiward.evidence.backupcheck import evidence_files
from phiward.evidence.models import EvidenceItem


def restored(directory: Path) -> Restored:
    """The live test database, seen as a restored backup would be (a raw DB-API cursor)."""
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    engine = "sqlite" if connection.vendor == "sqlite" else "postgresql"
    manifest = Manifest("now", "test", engine, "db", "0" * 64, ())
    return Restored(manifest, engine, cursor, directory)


def copy_files(data_dir: Path, target: Path) -> None:
    shutil.copytree(data_dir / "evidence", target / "files" / "evidence")


@pytest.mark.django_db
def test_the_check_opens_every_file_of_the_restored_rows(
    org: Organization, add_file: Callable[..., EvidenceItem], data_dir: Path, tmp_path: Path
) -> None:
    first = add_file(b"first document")
    second = add_file(b"second document")
    library.add_link(
        org, "https://example.org", meta=library.Metadata("link"), links=library.Links(), user=None
    )
    backup = tmp_path / "restored"
    copy_files(data_dir, backup)
    assert evidence_files(restored(backup)) == []

    in_backup = backup / "files" / library.location(first).relative
    shutil.copy(in_backup, backup / "files" / library.location(second).relative)  # swapped
    in_backup.unlink()
    problems = evidence_files(restored(backup))
    assert problems == [
        f"evidence item {first.pk}: its file is not in the backup",
        f"evidence item {second.pk}: the file at evidence item {second.uid}'s place belongs to "
        "another evidence item or organization",
    ]


@pytest.mark.django_db
def test_a_row_whose_hash_differs_is_reported(
    org: Organization, add_file: Callable[..., EvidenceItem], data_dir: Path, tmp_path: Path
) -> None:
    item = add_file(b"document")
    EvidenceItem.objects.filter(pk=item.pk).update(sha256="b" * 64)
    copy_files(data_dir, tmp_path / "r")
    assert evidence_files(restored(tmp_path / "r")) == [
        f"evidence item {item.pk}: the file does not match its recorded SHA-256"
    ]


def phiward(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "phiward.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.own_database
def test_backup_and_restore_verify_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "PHIWARD_DATA_DIR": str(tmp_path / "data"), "PHIWARD_DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    assert phiward(env, "init").returncode == 0
    made = phiward(env, "org", "create", "clinic", "--name", "Clinic", "--owner", "admin")
    assert made.returncode == 0, made.stderr
    document = tmp_path / "baa.pdf"
    document.write_bytes(b"%PDF business associate agreement, signed")
    added = phiward(env, "evidence", "add", str(document), "--title", "BAA", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["kind"] == "file"

    target = tmp_path / "drill.pwbak"
    backup = phiward(env, "backup", "--output", str(target), "--json")
    assert backup.returncode == 0, backup.stderr
    assert json.loads(backup.stdout)["files"] == 1
    checked = phiward(env, "restore", "--verify", str(target), "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    steps = {step["check"]: step for step in json.loads(checked.stdout)["steps"]}
    assert steps["evidence"]["ok"] and steps["files"]["ok"]
