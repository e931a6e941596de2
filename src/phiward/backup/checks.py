"""The verification steps that need phiward's own data: encrypted fields, the audit tree and
evidence files."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

from django.apps import apps

from phiward.audit.ledger import SIGNING_KEY_OBJECT, signing_key
from phiward.audit.merkle import Frontier
from phiward.audit.models import LEAF_COLUMNS, leaf_entry
from phiward.audit.signers import KeyRotation, rotation_of, trusted_signers
from phiward.audit.signing import SignedCheckpoint
from phiward.backup.service import Restored, register_audit_head, register_check
from phiward.crypto import service as crypto
from phiward.crypto.envelope import Binding
from phiward.crypto.fields import encrypted_fields
from phiward.evidence.backupcheck import evidence_files

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


def _checkpoints(cursor: Any) -> list[tuple[int, SignedCheckpoint | None]]:
    """The restored signed checkpoints by id, smallest tree first (None: unreadable)."""
    cursor.execute(
        'SELECT "id", "tree_size", "root_hash", "timestamp", "key_id", "public_key", '
        '"signature", "origin" FROM "audit_checkpoint" ORDER BY "tree_size", "id"'
    )
    found: list[tuple[int, SignedCheckpoint | None]] = []
    for pk, size, root, timestamp, key, public, signature, origin in cursor.fetchall():
        try:
            if isinstance(timestamp, str):  # SQLite keeps datetimes as text
                timestamp = dt.datetime.fromisoformat(timestamp).replace(tzinfo=dt.UTC)
            checkpoint = SignedCheckpoint(
                tree_size=int(size),
                root=bytes.fromhex(root),
                timestamp=timestamp,
                key_id=str(key),
                signature=base64.b64decode(signature, validate=True),
                public_key=bytes.fromhex(public),
                origin=str(origin),
            )
        except (ValueError, TypeError, binascii.Error):
            found.append((int(pk), None))
            continue
        found.append((int(pk), checkpoint))
    return found


def _checkpoint_problems(
    checkpoints: list[tuple[int, SignedCheckpoint | None]],
    roots: dict[int, bytes],
    rotations: list[KeyRotation],
) -> list[str]:
    # This install's key, and the keys 'phiward audit new-signing-key' replaced (audit.signers).
    readable = [c for _, c in checkpoints if c is not None]
    trusted = trusted_signers(signing_key().public_bytes, rotations, readable)
    problems = []
    for pk, checkpoint in checkpoints:
        if checkpoint is None:
            problems.append(f"audit checkpoint {pk} cannot be read")
        elif not trusted.accepts(checkpoint):
            problems.append(f"audit checkpoint {pk} is not signed by this install's audit key")
        elif checkpoint.tree_size not in roots:
            problems.append(f"audit checkpoint {pk} is for {checkpoint.tree_size} entries")
        elif roots[checkpoint.tree_size] != checkpoint.root:
            problems.append(f"audit checkpoint {pk} does not match the restored log")
    return problems


def audit_tree(restored: Restored) -> list[str]:
    """Recompute every leaf from the restored rows and the root; compare with the manifest;
    check every signed checkpoint against this install's key and the restored leaves."""
    if restored.manifest.audit is None:
        return ["the manifest has no audit tree head"]
    checkpoints = _checkpoints(restored.cursor)
    sizes = {c.tree_size for _, c in checkpoints if c is not None}
    tree = Frontier(0, [])
    roots = {0: tree.root()} if 0 in sizes else {}
    rotations = []
    for row, stored in _leaf_rows(restored.cursor):
        leaf = leaf_entry(row).leaf_hash()
        if leaf.hex() != stored:
            return [f"audit entry {row['seq']} does not match its leaf hash"]
        if row["object_type"] == SIGNING_KEY_OBJECT and row["action"] == "key_use":
            rotation = rotation_of(int(row["seq"]), row["changes"])
            rotations += [rotation] if rotation is not None else []
        tree.append(leaf)
        if tree.size in sizes:
            roots[tree.size] = tree.root()
    expected = restored.manifest.audit
    if tree.size != expected["tree_size"]:
        return [f"audit log has {tree.size} entries, manifest says {expected['tree_size']}"]
    if tree.root().hex() != expected["root_hash"]:
        return ["audit tree root differs from the manifest"]
    return _checkpoint_problems(checkpoints, roots, rotations)


register_check("encryption", encrypted_sample)
register_check("audit", audit_tree)
register_check("evidence", evidence_files)
register_audit_head(audit_head)
