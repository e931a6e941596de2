"""`phiward backup` and `phiward restore`: a consistent, encrypted, verifiable copy of phiward.

A backup is one sealed file (see ``sealed.py``) holding a tar archive: ``manifest.json``, the
database snapshot and the data directory's document folders. Keys are never inside: the sealed
file is opened with the install's key source, which is backed up separately
(``phiward keys backup``). ``verify`` restores into a scratch location and checks everything the
manifest promises; extra checks (the audit tree, decrypting a sample of encrypted fields) are
registered by the apps that own that data through ``register_check``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from phiward import __version__
from phiward.backup.manifest import FileDigest, Manifest, compare_tables, file_sha256
from phiward.backup.sealed import KeyWrapper, SealError, seal, unseal
from phiward.backup.snapshot import (
    Database,
    SnapshotError,
    postgres_digests,
    restored_postgres,
    snapshot,
    sqlite_digests,
    tool,
)

CONTEXT = "phiward backup"
# Folders of the data directory that hold documents (evidence files, exported checkpoints).
DOCUMENT_DIRS = ("evidence", "checkpoints", "media")
# What never goes into a backup: key material and credentials are backed up on their own.
NEVER = ("secret_key", "admin-credentials.txt", "demo-credentials.json")


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Restored:
    """A backup restored into a scratch location, as the verification checks see it."""

    manifest: Manifest
    engine: str
    cursor: Any  # a DB-API cursor on the restored database
    directory: Path


Check = Callable[[Restored], list[str]]
_CHECKS: dict[str, Check] = {}


def register_check(name: str, check: Check) -> None:
    """Add a verification step (e.g. the audit tree, decrypting sample fields)."""
    _CHECKS[name] = check


# Reads the audit tree head from the snapshot being taken (cursor, engine) -> manifest entry.
AuditHead = Callable[[Any, str], dict[str, Any] | None]
_audit_head: AuditHead | None = None


def register_audit_head(head: AuditHead) -> None:
    global _audit_head
    _audit_head = head


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    seconds: float


@dataclass
class VerifyReport:
    path: Path
    ok: bool = True
    seconds: float = 0.0
    steps: list[tuple[str, bool, str]] = field(default_factory=list)

    def step(self, name: str, problems: list[str]) -> None:
        self.steps.append((name, not problems, "; ".join(problems) or "ok"))
        self.ok = self.ok and not problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "backup": str(self.path),
            "ok": self.ok,
            "restore_seconds": round(self.seconds, 3),
            "steps": [{"check": n, "ok": ok, "detail": d} for n, ok, d in self.steps],
        }


def backup(database: Database, data_dir: Path, output: Path, wrapper: KeyWrapper) -> BackupResult:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="phiward-backup-") as work:
        staging = Path(work)
        db_name = "database.sqlite3" if database.engine == "sqlite" else "database.pgdump"
        tables, audit_head = snapshot(database, staging / db_name, _audit_head)
        files = _document_files(data_dir)
        manifest = Manifest(
            created_at=dt.datetime.now(dt.UTC).isoformat(),
            phiward_version=__version__,
            engine=database.engine,
            database_file=db_name,
            database_sha256=file_sha256(staging / db_name),
            tables=tables,
            files=tuple(
                FileDigest(rel, path.stat().st_size, file_sha256(path)) for rel, path in files
            ),
            audit=audit_head,
        )
        archive = staging / "backup.tar"
        with tarfile.open(archive, "w") as tar:
            _add_bytes(tar, "manifest.json", manifest.to_json())
            tar.add(staging / db_name, arcname=db_name)
            for rel, path in files:
                tar.add(path, arcname=f"files/{rel}")
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with archive.open("rb") as plain, partial.open("wb") as sealed:
            seal(plain, sealed, wrapper, context=CONTEXT)
            sealed.flush()
            os.fsync(sealed.fileno())
        partial.chmod(0o600)
        partial.replace(output)
    return BackupResult(output, manifest, time.monotonic() - started)


def verify(path: Path, database: Database, wrapper: KeyWrapper) -> VerifyReport:
    """Restore into a scratch location and check everything; never touches the live data."""
    report = VerifyReport(path)
    started = time.monotonic()
    try:
        with _opened(path, wrapper) as (directory, manifest):
            report.step("files", _check_files(directory, manifest))
            with _restored(directory, manifest, database) as restored:
                report.seconds = time.monotonic() - started
                digests = (
                    sqlite_digests(restored.cursor.connection)
                    if restored.engine == "sqlite"
                    else postgres_digests(restored.cursor)
                )
                report.step("tables", compare_tables(manifest.tables, digests))
                for name, check in sorted(_CHECKS.items()):
                    try:
                        report.step(name, check(restored))
                    except Exception as exc:  # a failing check is a failed step, not a crash
                        report.step(name, [f"{type(exc).__name__} while checking"])
    except (SealError, SnapshotError, BackupError, tarfile.TarError, ValueError) as exc:
        report.step("open", [str(exc)])
    if not report.seconds:
        report.seconds = time.monotonic() - started
    return report


def restore_into(
    path: Path, database: Database, data_dir: Path, wrapper: KeyWrapper
) -> Path | None:
    """Replace the live database and document folders with the backup's (after verifying it).

    The current SQLite file is kept beside it as ``*.pre-restore-<time>`` and returned.
    """
    report = verify(path, database, wrapper)
    if not report.ok:
        failed = next(detail for _, ok, detail in report.steps if not ok)
        raise BackupError(f"the backup did not verify, nothing restored: {failed}")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    kept: Path | None = None
    with _opened(path, wrapper) as (directory, manifest):
        source = directory / manifest.database_file
        if database.engine == "sqlite":
            live = Path(database.name)
            if live.exists():
                kept = live.with_name(f"{live.name}.pre-restore-{stamp}")
                with sqlite3.connect(live) as current, sqlite3.connect(kept) as copy:
                    current.backup(copy)
            with sqlite3.connect(source) as restored, sqlite3.connect(live) as target:
                restored.backup(target)
        else:
            result = subprocess.run(
                [
                    tool("pg_restore"),
                    "--no-owner",
                    "--clean",
                    "--if-exists",
                    "--single-transaction",
                    "--dbname",
                    database.name,
                    str(source),
                ],
                env=database.libpq_env(),
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed: {result.stderr.strip().splitlines()[-1:]}")
        for item in manifest.files:
            target_file = data_dir / item.path
            target_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(directory / "files" / item.path, target_file)
    return kept


# --- helpers --------------------------------------------------------------------------------


def _document_files(data_dir: Path) -> list[tuple[str, Path]]:
    found = []
    for folder in DOCUMENT_DIRS:
        root = data_dir / folder
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                # *.partial: a file still being written (an evidence upload); not yet data.
                if path.is_file() and path.name not in NEVER and path.suffix != ".partial":
                    found.append((path.relative_to(data_dir).as_posix(), path))
    return found


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


@contextmanager
def _opened(path: Path, wrapper: KeyWrapper) -> Iterator[tuple[Path, Manifest]]:
    with tempfile.TemporaryDirectory(prefix="phiward-restore-") as work:
        directory = Path(work)
        archive = directory / "backup.tar"
        with path.open("rb") as sealed, archive.open("wb") as plain:
            _copy_chunks(unseal(sealed, wrapper), plain)
        with tarfile.open(archive) as tar:
            tar.extractall(directory / "x", filter="data")
        archive.unlink()
        manifest = Manifest.from_json((directory / "x" / "manifest.json").read_bytes())
        yield directory / "x", manifest


def _copy_chunks(chunks: Iterator[bytes], target: BinaryIO) -> None:
    for chunk in chunks:
        target.write(chunk)


def _check_files(directory: Path, manifest: Manifest) -> list[str]:
    problems = []
    database = directory / manifest.database_file
    if not database.exists() or file_sha256(database) != manifest.database_sha256:
        problems.append("the database snapshot does not match the manifest")
    for item in manifest.files:
        path = directory / "files" / item.path
        if not path.exists():
            problems.append(f"{item.path} is missing")
        elif file_sha256(path) != item.sha256:
            problems.append(f"{item.path} differs from the manifest")
    return problems


@contextmanager
def _restored(directory: Path, manifest: Manifest, database: Database) -> Iterator[Restored]:
    dump = directory / manifest.database_file
    if manifest.engine == "sqlite":
        connection = sqlite3.connect(dump)
        try:
            (status,) = connection.execute("PRAGMA integrity_check").fetchone()
            if status != "ok":
                raise BackupError(f"the restored database fails its integrity check: {status}")
            yield Restored(manifest, "sqlite", connection.cursor(), directory)
        finally:
            connection.close()
        return
    if database.engine != "postgresql":
        raise BackupError("a PostgreSQL backup needs a PostgreSQL server to verify against")
    with (
        restored_postgres(database, dump) as scratch,
        database.connect(scratch) as pg_connection,
        pg_connection.cursor() as pg_cursor,
    ):
        yield Restored(manifest, "postgresql", pg_cursor, directory)
