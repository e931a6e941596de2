"""``phiward restore --verify``: every evidence file of the restored database is in the backup,
opens with its item's key and matches the SHA-256 recorded when it was added.

The backup's own ``files`` step already compares each file with the manifest's digest (of the
sealed bytes); this step proves the files belong to the restored rows and decrypt to what was
uploaded.
"""

from __future__ import annotations

import uuid
from typing import Any

from phiward.backup.service import Restored
from phiward.evidence import storage
from phiward.evidence.models import EvidenceItem, EvidenceKind
from phiward.evidence.storage import EvidenceFileError, Location


def _has_table(restored: Restored, table: str) -> bool:
    cursor: Any = restored.cursor
    if restored.engine == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    else:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename = %s",
            (table,),
        )
    return cursor.fetchone() is not None


def evidence_files(restored: Restored) -> list[str]:
    table = EvidenceItem._meta.db_table
    if not _has_table(restored, table):
        return []  # a backup made before the evidence library existed
    placeholder = "?" if restored.engine == "sqlite" else "%s"
    restored.cursor.execute(
        f'SELECT "id", "organization_id", "uid", "sha256", "size" FROM "{table}" '  # noqa: S608
        f'WHERE "kind" = {placeholder} ORDER BY "id"',
        (EvidenceKind.FILE.value,),
    )
    problems = []
    for pk, organization_id, uid, sha256, size in restored.cursor.fetchall():
        location = Location(int(organization_id), str(uuid.UUID(str(uid))))
        path = restored.directory / "files" / location.relative
        if not path.is_file():
            problems.append(f"evidence item {pk}: its file is not in the backup")
            continue
        try:
            found = storage.measure(location, path)
        except EvidenceFileError as exc:
            problems.append(f"evidence item {pk}: {exc}")
            continue
        if (found.sha256, found.size) != (sha256, size):
            problems.append(f"evidence item {pk}: the file does not match its recorded SHA-256")
    return problems
