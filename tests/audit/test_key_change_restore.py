"""After ``phiward audit new-signing-key`` a backup still verifies: `phiward restore --verify`
trusts the replaced key for the checkpoints before the change, as `audit verify` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_database  # phiward runs in subprocesses with a database of its own

# Inside the install: entries, a checkpoint with the first key, a new key, more entries and
# a checkpoint with the new key.
HISTORY = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phiward.config.settings")
django.setup()
from phiward.audit import ledger
from phiward.core.auditing import AuditAction
for n in range(4):
    ledger.append(action=AuditAction.ADMIN, summary=f"step {n}", source="cli")
first = ledger.write_checkpoint()
change = ledger.new_signing_key()
assert change.old_key_id == first.key_id
ledger.append(action=AuditAction.ADMIN, summary="after the change", source="cli")
ledger.write_checkpoint()
"""


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_a_backup_made_after_a_key_change_verifies(tmp_path: Path) -> None:
    env = {**os.environ, "PHIWARD_DATA_DIR": str(tmp_path / "data"), "PHIWARD_DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for args in (("-m", "phiward.cli", "init"), ("-c", HISTORY)):
        done = run(env, *args)
        assert done.returncode == 0, done.stderr
    verified = run(env, "-m", "phiward.cli", "audit", "verify", "--json")
    assert json.loads(verified.stdout)["ok"], verified.stdout
    target = tmp_path / "b.pwbak"
    backed_up = run(env, "-m", "phiward.cli", "backup", "--output", str(target))
    assert backed_up.returncode == 0, backed_up.stderr
    checked = run(env, "-m", "phiward.cli", "restore", "--verify", str(target), "--json")
    (step,) = [s for s in json.loads(checked.stdout)["steps"] if s["check"] == "audit"]
    assert step["ok"], step
