"""Consistent database snapshots and their table digests, for SQLite and PostgreSQL.

SQLite: the online backup API copies a consistent image while phiward keeps running.
PostgreSQL: pg_dump runs on a snapshot exported from a REPEATABLE READ transaction, and the
table digests are computed in that same transaction, so dump and digests agree exactly.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from phiward.backup.manifest import TableDigest, table_digest


class SnapshotError(Exception):
    pass


def tool(name: str) -> str:
    """The absolute path of a PostgreSQL client program (pg_dump, pg_restore)."""
    found = shutil.which(name)
    if found is None:
        raise SnapshotError(f"{name} is not installed (PostgreSQL client programs are needed)")
    return found


@dataclass(frozen=True)
class Database:
    """The configured database, as the backup needs it."""

    engine: str  # "sqlite" or "postgresql"
    name: str  # SQLite file path, or PostgreSQL database name
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, config: dict[str, Any]) -> Database:
        engine = str(config["ENGINE"]).rsplit(".", 1)[-1]
        if engine == "sqlite3":
            return cls("sqlite", str(config["NAME"]))
        if engine == "postgresql":
            return cls(
                "postgresql",
                str(config["NAME"]),
                str(config.get("HOST") or ""),
                str(config.get("PORT") or ""),
                str(config.get("USER") or ""),
                str(config.get("PASSWORD") or ""),
            )
        raise SnapshotError(f"backups support SQLite and PostgreSQL, not {engine}")

    def libpq_env(self, dbname: str | None = None) -> dict[str, str]:
        env = {**os.environ, "PGDATABASE": dbname or self.name}
        for key, value in (("PGHOST", self.host), ("PGPORT", self.port), ("PGUSER", self.user)):
            if value:
                env[key] = value
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, dbname: str | None = None, **kwargs: Any) -> psycopg.Connection[Any]:
        params = {"dbname": dbname or self.name, **kwargs}
        for key, value in (
            ("host", self.host),
            ("port", self.port),
            ("user", self.user),
            ("password", self.password),
        ):
            if value:
                params[key] = value
        return psycopg.connect(**params)


def sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master"
        " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
    )
    return [str(name) for (name,) in rows]


def sqlite_digests(connection: sqlite3.Connection) -> tuple[TableDigest, ...]:
    return tuple(table_digest(connection.cursor(), t) for t in sqlite_tables(connection))


def postgres_digests(cursor: Any) -> tuple[TableDigest, ...]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
    tables = [str(name) for (name,) in cursor.fetchall()]
    return tuple(table_digest(cursor, t) for t in tables)


SnapshotReader = Callable[[Any, str], Any]


def snapshot(
    database: Database, target: Path, read: SnapshotReader | None = None
) -> tuple[tuple[TableDigest, ...], Any]:
    """Write a consistent copy of the database to ``target``.

    Returns its table digests and what ``read(cursor, engine)`` finds in the same snapshot
    (the audit tree head, for the manifest).
    """
    if database.engine == "sqlite":
        source = sqlite3.connect(f"file:{database.name}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            return sqlite_digests(copy), read(copy.cursor(), "sqlite") if read else None
        finally:
            source.close()
            copy.close()
    with database.connect(autocommit=False) as connection:
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = connection.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        result = subprocess.run(
            [
                tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                f"--snapshot={row[0]}",
                "--file",
                str(target),
            ],
            env=database.libpq_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SnapshotError(f"pg_dump failed: {result.stderr.strip().splitlines()[-1:]}")
        with connection.cursor() as cursor:
            digests = postgres_digests(cursor)
            return digests, read(cursor, "postgresql") if read else None


@contextlib.contextmanager
def restored_postgres(database: Database, dump: Path) -> Iterator[str]:
    """Restore a pg_dump file into a scratch database; yield its name; drop it afterwards."""
    scratch = f"phiward_verify_{secrets.token_hex(6)}"
    with database.connect("postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        result = subprocess.run(
            [tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", scratch, str(dump)],
            env=database.libpq_env(scratch),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SnapshotError(f"pg_restore failed: {result.stderr.strip().splitlines()[-1:]}")
        yield scratch
    finally:
        with database.connect("postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
