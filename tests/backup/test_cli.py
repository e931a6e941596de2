"""`phiward backup` / `phiward restore` end to end, on SQLite and PostgreSQL, with real keys."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.own_database  # phiward runs in subprocesses with a database of its own

PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
ADD_NOTE = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phiward.config.settings")
django.setup()
from phiward.inventory.models import Asset
for asset in Asset.objects.order_by("pk")[:3]:
    asset.notes = "restricted: seen by Dr. Example"
    asset.save()
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    environ = {
        **os.environ,
        "PHIWARD_DATA_DIR": str(tmp_path / "data"),
        "PHIWARD_DATABASE_URL": "",
        "PHIWARD_DEMO_PASSWORD": "backup drill password 2026",
    }
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    if request.param == "sqlite":
        yield environ
        return
    name = f"phiward_cli_{secrets.token_hex(4)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    environ["PHIWARD_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    try:
        yield environ
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **PG) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def phiward(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run(env, "-m", "phiward.cli", *args)


def test_backup_verify_and_tamper(env: dict[str, str], tmp_path: Path) -> None:
    assert phiward(env, "init").returncode == 0
    assert phiward(env, "demo").returncode == 0
    assert run(env, "-c", ADD_NOTE).returncode == 0
    target = tmp_path / "drill.pwbak"
    made = phiward(env, "backup", "--output", str(target), "--json")
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    assert summary["rows"] > 100
    assert b"Dr. Example" not in target.read_bytes()

    checked = phiward(env, "restore", "--verify", str(target), "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    steps = {step["check"]: step["ok"] for step in report["steps"]}
    assert steps["files"] and steps["tables"] and steps["encryption"]
    assert report["restore_seconds"] > 0

    damaged = bytearray(target.read_bytes())
    damaged[len(damaged) // 2] ^= 0x40
    (tmp_path / "damaged.pwbak").write_bytes(bytes(damaged))
    failed = phiward(env, "restore", "--verify", str(tmp_path / "damaged.pwbak"))
    assert failed.returncode != 0
    assert (
        failed.stderr.strip().splitlines()[-1].startswith("phiward: error: backup did not verify")
    )
