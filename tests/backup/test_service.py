"""Backup, verify and restore against real databases: a SQLite file and the PostgreSQL server."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from phiward.backup import service
from phiward.backup.manifest import TableDigest, compare_tables
from phiward.backup.snapshot import Database
from tests.backup.test_sealed import FixedKey

pytestmark = pytest.mark.own_database  # phiward runs in subprocesses with a database of its own

PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}


def fill(execute: object, rows: int = 250) -> None:
    run = execute  # type: ignore[assignment]
    run("CREATE TABLE zone (id INTEGER PRIMARY KEY, name TEXT NOT NULL, seen TIMESTAMP)")  # type: ignore[operator]
    run("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")  # type: ignore[operator]
    for n in range(rows):
        run(f"INSERT INTO zone VALUES ({n + 1}, 'zone {n}', '2026-11-28 10:00:00')")  # type: ignore[operator]  # noqa: S608
    run("INSERT INTO note VALUES (1, 'restricted text')")  # type: ignore[operator]


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Database:
    path = tmp_path / "live.sqlite3"
    with sqlite3.connect(path) as connection:
        fill(connection.execute)
    return Database("sqlite", str(path))


@pytest.fixture
def postgresql_db() -> Iterator[Database]:
    name = f"phiward_bk_{secrets.token_hex(4)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(dbname=name, autocommit=True, **PG) as connection:
            fill(connection.execute)
        yield Database("postgresql", name, PG["host"], PG["port"], PG["user"])
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **PG) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Database:
    return request.getfixturevalue(f"{request.param}_db")  # type: ignore[no-any-return]


def test_backup_then_verify(database: Database, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "evidence").mkdir(parents=True)
    (data_dir / "evidence" / "policy.pdf").write_bytes(b"%PDF-1.7 policy")
    (data_dir / "secret_key").write_text("never in a backup")
    key = FixedKey()
    result = service.backup(database, data_dir, tmp_path / "out" / "b.pwbak", key)
    assert {t.name: t.rows for t in result.manifest.tables} == {"note": 1, "zone": 250}
    assert [f.path for f in result.manifest.files] == ["evidence/policy.pdf"]
    raw = result.path.read_bytes()
    assert b"restricted text" not in raw and b"never in a backup" not in raw
    assert result.path.stat().st_mode & 0o777 == 0o600

    report = service.verify(result.path, database, key)
    assert report.ok, report.as_dict()
    assert [name for name, _, _ in report.steps] == ["files", "tables"]
    assert report.seconds > 0


def test_verify_fails_with_the_wrong_key(sqlite_db: Database, tmp_path: Path) -> None:
    result = service.backup(sqlite_db, tmp_path, tmp_path / "b.pwbak", FixedKey())
    report = service.verify(result.path, sqlite_db, FixedKey())
    assert not report.ok
    assert report.steps[0][0] == "open"


def test_verify_fails_when_a_registered_check_finds_a_problem(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = FixedKey()
    result = service.backup(sqlite_db, tmp_path, tmp_path / "b.pwbak", key)
    monkeypatch.setattr(service, "_CHECKS", {})
    service.register_check("sample", lambda restored: ["note 1 does not decrypt"])
    report = service.verify(result.path, sqlite_db, key)
    assert not report.ok
    assert ("sample", False, "note 1 does not decrypt") in report.steps


def test_restore_into_replaces_the_live_sqlite_database(
    sqlite_db: Database, tmp_path: Path
) -> None:
    key = FixedKey()
    result = service.backup(sqlite_db, tmp_path, tmp_path / "b.pwbak", key)
    with sqlite3.connect(sqlite_db.name) as live:
        live.execute("DELETE FROM zone WHERE id > 10")
    kept = service.restore_into(result.path, sqlite_db, tmp_path, key)
    with sqlite3.connect(sqlite_db.name) as live:
        assert live.execute("SELECT count(*) FROM zone").fetchone()[0] == 250
    assert kept is not None
    with sqlite3.connect(kept) as before:
        assert before.execute("SELECT count(*) FROM zone").fetchone()[0] == 10


def test_compare_tables_names_each_difference() -> None:
    want = [TableDigest("a", 1, "x"), TableDigest("b", 2, "y"), TableDigest("c", 1, "z")]
    have = [TableDigest("a", 1, "x"), TableDigest("b", 3, "y"), TableDigest("d", 0, "w")]
    assert compare_tables(want, have) == [
        "table c is missing",
        "table d is not in the manifest",
        "table b: 3 rows, manifest says 2",
    ]
