"""The restore drill of docs/backup.md, command for command, from one machine to a new one.

Data directory A is the machine that is lost; B is the new machine with nothing but the backup
file X, the key backup K and its passphrase P. Every step is a separate `phiward` process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_database  # phiward runs in subprocesses with a database of its own

NOTE = "restricted: reviewed with Dr. Example"
SAVE_NOTE = f"""
import django
django.setup()
from phiward.inventory.models import Asset
asset = Asset.objects.order_by("pk").first()
asset.notes = {NOTE!r}
asset.save()
print(asset.uid)
"""
READ_NOTE = """
import sys
import django
django.setup()
from phiward.inventory.models import Asset
print(Asset.objects.get(uid=sys.argv[1]).notes)
"""


def environment(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PHIWARD_DATA_DIR": str(data_dir),
        "PHIWARD_DATABASE_URL": "",  # SQLite in the data directory
        "PHIWARD_DEMO_PASSWORD": "restore drill password 2026",
        "DJANGO_SETTINGS_MODULE": "phiward.config.settings",
    }


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
    return done.stdout


def phiward(env: dict[str, str], *args: str) -> str:
    return run(env, "-m", "phiward.cli", *args)


def test_the_restore_drill_recovers_data_notes_and_audit_log_on_a_new_machine(
    tmp_path: Path,
) -> None:
    backup, key_backup, passphrase = tmp_path / "X.pwbak", tmp_path / "K.keys", tmp_path / "P"
    passphrase.write_text("a passphrase kept in the safe\n")

    lost = environment(tmp_path / "A")
    phiward(lost, "init")
    phiward(lost, "demo")
    uid = run(lost, "-c", SAVE_NOTE).strip()
    phiward(lost, "audit", "checkpoint")
    phiward(lost, "backup", "--output", str(backup))
    phiward(
        lost, "keys", "backup", "--output", str(key_backup), "--passphrase-file", str(passphrase)
    )
    assert NOTE.encode() not in backup.read_bytes()

    new = environment(tmp_path / "B")
    phiward(new, "init")
    restored = phiward(
        new, "keys", "restore", str(key_backup), "--passphrase-file", str(passphrase)
    )
    assert "and the audit signing key" in restored
    phiward(new, "restore", "--into", str(backup), "--yes")
    verified = phiward(new, "audit", "verify")
    assert re.match(
        r"audit log verified: \d+ entries, root [0-9a-f]{64}, [1-9]\d* checkpoints", verified
    )
    assert run(new, "-c", READ_NOTE, uid).strip() == NOTE
    assert (tmp_path / "B" / "audit-signing-key.pem").read_bytes() == (
        tmp_path / "A" / "audit-signing-key.pem"
    ).read_bytes()
