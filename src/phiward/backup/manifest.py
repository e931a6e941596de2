"""The backup manifest and the table digests it is checked with. Pure (DB-API cursors only)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Protocol

FORMAT = "phiward-backup/1"


class Cursor(Protocol):
    def execute(self, sql: str, /) -> Any: ...
    def fetchmany(self, size: int = ..., /) -> list[tuple[Any, ...]]: ...

    @property
    def description(self) -> Any: ...


@dataclass(frozen=True)
class TableDigest:
    name: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class FileDigest:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    created_at: str
    phiward_version: str
    engine: str  # "sqlite" or "postgresql"
    database_file: str
    database_sha256: str
    tables: tuple[TableDigest, ...]
    files: tuple[FileDigest, ...] = ()
    audit: dict[str, Any] | None = None  # {"tree_size": n, "root_hash": hex} when the log exists
    format: str = FORMAT
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        raw = json.loads(data)
        if raw.get("format") != FORMAT:
            raise ValueError(f"unknown backup format {raw.get('format')!r}")
        raw["tables"] = tuple(TableDigest(**t) for t in raw["tables"])
        raw["files"] = tuple(FileDigest(**f) for f in raw["files"])
        return cls(**raw)


def _canonical(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def table_digest(cursor: Cursor, table: str, quote: str = '"') -> TableDigest:
    """Row count and SHA-256 of every row in a fixed order (all columns, ascending)."""
    name = f"{quote}{table}{quote}"
    cursor.execute(f"SELECT * FROM {name} LIMIT 0")  # noqa: S608 - table names come from the catalog
    width = len(cursor.description)
    order = ", ".join(str(i) for i in range(1, width + 1))
    cursor.execute(f"SELECT * FROM {name} ORDER BY {order}")  # noqa: S608
    digest, rows = hashlib.sha256(), 0
    while batch := cursor.fetchmany(1000):
        for row in batch:
            digest.update(json.dumps([_canonical(v) for v in row], default=str).encode() + b"\n")
            rows += 1
    return TableDigest(table, rows, digest.hexdigest())


def compare_tables(expected: Iterable[TableDigest], found: Iterable[TableDigest]) -> list[str]:
    """Differences between two sets of table digests, one line each (empty when equal)."""
    want = {t.name: t for t in expected}
    have = {t.name: t for t in found}
    problems = [f"table {n} is missing" for n in sorted(set(want) - set(have))]
    problems += [f"table {n} is not in the manifest" for n in sorted(set(have) - set(want))]
    for n in sorted(set(want) & set(have)):
        if want[n].rows != have[n].rows:
            problems.append(f"table {n}: {have[n].rows} rows, manifest says {want[n].rows}")
        elif want[n].sha256 != have[n].sha256:
            problems.append(f"table {n}: content differs from the manifest")
    return problems


def file_sha256(path: Any) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
