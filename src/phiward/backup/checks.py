"""The verification steps that need phiward's own data: encrypted fields and the audit tree."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

from django.apps import apps

from phiward.audit.merkle import Frontier
from phiward.audit.models import LEAF_COLUMNS, leaf_entry
from phiward.backup.service import Restored, register_audit_head, register_check
from phiward.crypto import service as crypto
from phiward.crypto.envelope import Binding
from phiward.crypto.fields import encrypted_fields

SAMPLE_PER_COLUMN = 5


def encrypted_sample(restored: Restored) -> list[str]:
    """Decrypt a sample of every encrypted column of the restored database with today's keys."""
    problems, opened = [], 0
    placeholder = "?" if restored.engine == "sqlite" else "%s"
    for model in apps.get_models():
        for field in encrypted_fields(model):
            table, column = model._meta.db_table, field.column
            restored.cursor.execute(
                f'SELECT organization_id, uid, "{column}" FROM "{table}" '  # noqa: S608
                f'WHERE "{column}" LIKE {placeholder} ORDER BY id LIMIT {SAMPLE_PER_COLUMN}',
                ("pw1.%",),
            )
            for organization_id, uid, token in restored.cursor.fetchall():
                binding = Binding(int(organization_id), table, column, str(uuid.UUID(str(uid))))
                try:
                    crypto.open_value(str(token), binding)
                    opened += 1
                except Exception as exc:  # each failure is reported, none stops the check
                    problems.append(f"{table}.{column} of record {uid}: {type(exc).__name__}")
    if not problems and opened == 0:
        return []  # nothing encrypted yet: nothing to prove
    return problems


def _leaf_rows(cursor: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """Every audit entry of a database reached through a plain DB-API cursor, in order."""
    columns = ", ".join(f'"{c}"' for c in LEAF_COLUMNS)
    cursor.execute(f'SELECT {columns}, "leaf_hash" FROM "audit_auditentry" ORDER BY "seq"')  # noqa: S608
    while batch := cursor.fetchmany(2000):
        for *values, stored in batch:
            row = dict(zip(LEAF_COLUMNS, values, strict=True))
            if isinstance(row["timestamp"], str):  # SQLite keeps datetimes as text
                row["timestamp"] = dt.datetime.fromisoformat(row["timestamp"]).replace(
                    tzinfo=dt.UTC
                )
            if isinstance(row["changes"], str):
                row["changes"] = json.loads(row["changes"])
            yield row, str(stored)


def audit_head(cursor: Any, engine: str) -> dict[str, Any]:
    """Size and root of the audit tree, over the stored leaf hashes."""
    tree = Frontier(0, [])
    for _, stored in _leaf_rows(cursor):
        tree.append(bytes.fromhex(stored))
    return {"tree_size": tree.size, "root_hash": tree.root().hex()}


def audit_tree(restored: Restored) -> list[str]:
    """Recompute every leaf from the restored rows and the root; compare with the manifest."""
    if restored.manifest.audit is None:
        return ["the manifest has no audit tree head"]
    tree = Frontier(0, [])
    for row, stored in _leaf_rows(restored.cursor):
        leaf = leaf_entry(row).leaf_hash()
        if leaf.hex() != stored:
            return [f"audit entry {row['seq']} does not match its leaf hash"]
        tree.append(leaf)
    expected = restored.manifest.audit
    if tree.size != expected["tree_size"]:
        return [f"audit log has {tree.size} entries, manifest says {expected['tree_size']}"]
    if tree.root().hex() != expected["root_hash"]:
        return ["audit tree root differs from the manifest"]
    return []


register_check("encryption", encrypted_sample)
register_check("audit", audit_tree)
register_audit_head(audit_head)
