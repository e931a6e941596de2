"""`phiward restore --verify` checks the restored audit checkpoints: each is signed by the
install's audit key and names the root of the restored log's first ``tree_size`` entries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_database  # phiward runs in subprocesses with a database of its own

# Runs inside the install (its data dir): a few entries, one signed checkpoint, then the
# tampering named by argv[1], done the way someone with database access would.
TAMPER = """
import base64, sys, django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phiward.config.settings")
django.setup()
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from phiward.audit import ledger
from phiward.audit.models import Checkpoint
from phiward.audit.signing import SigningKey, sign_checkpoint
from phiward.core.auditing import AuditAction
for n in range(5):
    ledger.append(action=AuditAction.ADMIN, summary=f"step {n}", source="cli")
signed = ledger.write_checkpoint()
stored = Checkpoint.objects.get(tree_size=signed.tree_size)
how = sys.argv[1]
if how == "root altered":
    stored.root_hash = bytes(32).hex()
elif how == "size altered":
    stored.tree_size -= 1
elif how == "signed by another key":
    forged = sign_checkpoint(
        SigningKey(Ed25519PrivateKey.generate()), stored.tree_size, bytes(32), timezone.now()
    )
    stored.root_hash, stored.timestamp = forged.root.hex(), forged.timestamp
    stored.key_id, stored.public_key = forged.key_id, forged.public_key.hex()
    stored.signature = base64.b64encode(forged.signature).decode()
elif how == "wrong root signed by the install key":
    forged = sign_checkpoint(ledger.signing_key(), stored.tree_size, bytes(32), timezone.now())
    stored.root_hash, stored.timestamp = forged.root.hex(), forged.timestamp
    stored.signature = base64.b64encode(forged.signature).decode()
if how != "none":
    Checkpoint.objects.filter(pk=stored.pk).update(
        **{f: getattr(stored, f) for f in
           ("tree_size", "root_hash", "timestamp", "key_id", "public_key", "signature")}
    )
"""


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def audit_step(tmp_path: Path, how: str) -> dict[str, object]:
    env = {**os.environ, "PHIWARD_DATA_DIR": str(tmp_path / "data"), "PHIWARD_DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    made = run(env, "-m", "phiward.cli", "init")
    assert made.returncode == 0, made.stderr
    tampered = run(env, "-c", TAMPER, how)
    assert tampered.returncode == 0, tampered.stderr
    target = tmp_path / "b.pwbak"
    backed_up = run(env, "-m", "phiward.cli", "backup", "--output", str(target), "--json")
    assert backed_up.returncode == 0, backed_up.stderr
    checked = run(env, "-m", "phiward.cli", "restore", "--verify", str(target), "--json")
    report = json.loads(checked.stdout)
    assert (checked.returncode == 0) == report["ok"], checked.stderr
    (step,) = [s for s in report["steps"] if s["check"] == "audit"]
    return dict(step)


def test_untouched_checkpoints_verify(tmp_path: Path) -> None:
    step = audit_step(tmp_path, "none")
    assert step["ok"], step


@pytest.mark.parametrize(
    ("how", "problem"),
    [
        ("root altered", "is not signed by this install's audit key"),
        ("size altered", "is not signed by this install's audit key"),
        ("signed by another key", "is not signed by this install's audit key"),
        ("wrong root signed by the install key", "does not match the restored log"),
    ],
)
def test_an_altered_checkpoint_fails_verification(tmp_path: Path, how: str, problem: str) -> None:
    step = audit_step(tmp_path, how)
    assert not step["ok"]
    assert problem in str(step["detail"]), step
