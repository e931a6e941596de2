"""Kill -9 a process in the middle of writing: nothing acknowledged is lost, nothing is torn.

A child process (``tests/hardening/crash_writer.py``) writes zones, inventory imports and new
members through the service layer, printing an acknowledgement after each commit. The test
kills it with SIGKILL at seeded random moments, several rounds on the same database, and then
checks that every acknowledged write is there, that no import is half there, that the database
passes its integrity check (SQLite) — and, only when the audit app is installed
(``phiward.audit`` in INSTALLED_APPS), that ``phiward audit verify`` passes over the log every
round appended to.

On SQLite the database is a file in a temporary data directory; when the suite runs on
PostgreSQL (``PHIWARD_DATABASE_URL``), a scratch database ``<name>_crash`` is created next to
the configured one and dropped afterwards.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

ROUNDS = 6
SEED = 20_260_301
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Acknowledged:
    zones: set[str] = field(default_factory=set)
    imports: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)

    def add(self, line: str) -> None:
        _, kind, name = line.split()
        {"zone": self.zones, "import": self.imports, "member": self.members}[kind].add(name)

    def __len__(self) -> int:
        return len(self.zones) + len(self.imports) + len(self.members)


@dataclass(frozen=True)
class Stored:
    zones: set[str]
    vendors: set[str]
    assets: set[str]
    members: set[str]


QUERIES = {
    "zones": "SELECT name FROM inventory_zone",
    "vendors": "SELECT name FROM inventory_vendor",
    "assets": "SELECT name FROM inventory_asset",
    "members": ("SELECT u.username FROM auth_user u JOIN core_membership m ON m.user_id = u.id"),
}


@dataclass(frozen=True)
class Database:
    env: dict[str, str]
    sqlite_path: Path | None
    postgres_url: str | None

    def stored(self) -> Stored:
        rows = {name: set(self._column(sql)) for name, sql in QUERIES.items()}
        return Stored(**rows)

    def _column(self, sql: str) -> list[str]:
        if self.sqlite_path is not None:
            with closing(sqlite3.connect(self.sqlite_path)) as connection:
                return [row[0] for row in connection.execute(sql)]
        import psycopg

        assert self.postgres_url is not None
        with psycopg.connect(self.postgres_url) as connection:
            return [row[0] for row in connection.execute(sql)]

    def integrity(self) -> str:
        if self.sqlite_path is None:
            return "ok"  # PostgreSQL: the rows being there is the check (see the module doc)
        with closing(sqlite3.connect(self.sqlite_path)) as connection:
            return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def _postgres_scratch(url: str) -> tuple[str, str]:
    """The scratch database's URL and name, next to the configured database."""
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'phiward'}_crash"
    return urlunsplit(parts._replace(path=f"/{name}")), name


@contextmanager
def _database(tmp_path: Path) -> Iterator[Database]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PHIWARD_")}
    env.update(
        DJANGO_SETTINGS_MODULE="phiward.config.settings",
        PHIWARD_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    )
    configured = os.environ.get("PHIWARD_DATABASE_URL", "")
    if not configured.startswith("postgres"):
        env["PHIWARD_DATABASE_URL"] = ""
        yield Database(env, tmp_path / "data" / "phiward.sqlite3", None)
        return
    import psycopg

    url, name = _postgres_scratch(configured)
    admin_url = urlunsplit(urlsplit(configured)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    env["PHIWARD_DATABASE_URL"] = url
    try:
        yield Database(env, None, url)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_round(database: Database, round_number: int, rng: random.Random) -> Acknowledged:
    """Start the writer, let it write for a random moment, SIGKILL it; what did it acknowledge?"""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.hardening.crash_writer", str(round_number)],
        env=database.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    acknowledged = Acknowledged()
    ready = threading.Event()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("ready"):
                ready.set()
            elif line.startswith("ack "):
                acknowledged.add(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(timeout=120):
            child.kill()
            pytest.fail(f"the writer did not start: {child.communicate()[1][-2000:]}")
        time.sleep(rng.uniform(0.05, 0.8))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    reader.join(timeout=30)  # the lines still in the pipe were acknowledged too
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    return acknowledged


def _audit_verify(database: Database) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "phiward.cli", "audit", "verify"],
        env=database.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_acknowledged_writes_survive_sigkill_at_random_moments(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    audited = "phiward.audit" in settings.INSTALLED_APPS
    with _database(tmp_path) as database:
        everything = Acknowledged()
        for round_number in range(ROUNDS):
            acknowledged = _run_round(database, round_number, rng)
            everything.zones |= acknowledged.zones
            everything.imports |= acknowledged.imports
            everything.members |= acknowledged.members

            stored = database.stored()
            assert {f"Zone {n}" for n in everything.zones} <= stored.zones
            assert {f"Vendor {n}" for n in everything.imports} <= stored.vendors
            assert {f"user-{n}" for n in everything.members} <= stored.members
            # An import is all or nothing, acknowledged or not.
            for vendor in stored.vendors:
                name = vendor.removeprefix("Vendor ")
                assert {f"Asset {name} a", f"Asset {name} b"} <= stored.assets, vendor
            assert database.integrity() == "ok"
        # The kills landed among writes, not before the first one.
        assert len(everything) > ROUNDS * 3
        if audited:
            # Once, over the log every round appended to: a torn entry of any round shows.
            verdict = _audit_verify(database)
            assert verdict.returncode == 0, verdict.stdout + verdict.stderr
