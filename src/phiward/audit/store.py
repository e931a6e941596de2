"""Reading the stored log for verification and proofs (the Django side of the engines)."""

from __future__ import annotations

import binascii
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from phiward.audit import merkle
from phiward.audit.ledger import as_signed, signing_key
from phiward.audit.merkle import ConsistencyProof, InclusionProof
from phiward.audit.models import LEAF_COLUMNS, AuditEntry, AuditHead, Checkpoint, leaf_entry
from phiward.audit.signing import SignedCheckpoint
from phiward.audit.verification import CheckpointClaim, StoredEntry, Verdict, verify_log
from phiward.core.errors import InvalidInput, NotFound

CHUNK = 5000


def _stored_entries() -> Iterator[StoredEntry]:
    rows = AuditEntry.objects.order_by("seq", "id").values("id", "leaf_hash", *LEAF_COLUMNS)
    for row in rows.iterator(chunk_size=CHUNK):
        try:
            stored = bytes.fromhex(row["leaf_hash"])
        except ValueError:
            stored = b""
        yield StoredEntry(row["id"], leaf_entry(row), stored)


def _claim(label: str, checkpoint: SignedCheckpoint, trusted_key: bytes) -> CheckpointClaim:
    valid = checkpoint.signature_valid(trusted_key)
    return CheckpointClaim(label, checkpoint.tree_size, checkpoint.root, valid)


def _stored_claims(trusted_key: bytes) -> list[CheckpointClaim]:
    claims = []
    for checkpoint in Checkpoint.objects.order_by("tree_size", "pk"):
        label = f"stored checkpoint {checkpoint.pk}"
        try:
            signed = as_signed(checkpoint)
        except (ValueError, binascii.Error):
            claims.append(CheckpointClaim(label, checkpoint.tree_size, b"", False))
            continue
        claims.append(_claim(label, signed, trusted_key))
    return claims


def verify(external: SignedCheckpoint | None = None, external_label: str = "") -> Verdict:
    """Recompute every leaf and the tree; check the head, stored and external checkpoints."""
    trusted_key = signing_key().public_bytes
    # One snapshot for head, entries and checkpoints (unless a caller's transaction is open).
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        head = AuditHead.objects.filter(pk=1).values_list("size", flat=True).first()
        claims = _stored_claims(trusted_key)
        if external is not None:
            claims.append(
                _claim(f"external checkpoint {external_label}".strip(), external, trusted_key)
            )
        return verify_log(_stored_entries(), claims, head)


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root: bytes


def _leaf_hashes(size: int) -> list[bytes]:
    rows = (
        AuditEntry.objects.filter(seq__lt=size).order_by("seq").values_list("leaf_hash", flat=True)
    )
    leaves = [bytes.fromhex(h) for h in rows.iterator(chunk_size=CHUNK)]
    if len(leaves) != size:
        raise InvalidInput(
            f"the log does not hold {size} consecutive entries; run 'phiward audit verify'"
        )
    return leaves


def log_size() -> int:
    size = AuditHead.objects.filter(pk=1).values_list("size", flat=True).first()
    return int(size or 0)


def default_size() -> int:
    """The size of the latest checkpoint, or of the log when there is none."""
    latest = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first()
    return int(latest) if latest is not None else log_size()


def inclusion(seq: int, size: int) -> tuple[InclusionProof, bytes, bytes, AuditEntry]:
    """The proof for entry ``seq`` in the tree of ``size``, its leaf hash and that tree's root."""
    if not 0 <= seq < size:
        raise InvalidInput(f"entry {seq} is not in a tree of {size} entries")
    if size > log_size():
        raise InvalidInput(f"the log holds {log_size()} entries, not {size}")
    entry = AuditEntry.objects.filter(seq=seq).first()
    if entry is None:
        raise NotFound(f"no audit entry {seq}")
    leaves = _leaf_hashes(size)
    proof = merkle.inclusion_proof(leaves, seq, size)
    return proof, leaves[seq], merkle.root_hash(leaves), entry


def consistency(first: int, second: int) -> tuple[ConsistencyProof, bytes, bytes]:
    if not 0 <= first <= second:
        raise InvalidInput("the first size must not be larger than the second")
    if second > log_size():
        raise InvalidInput(f"the log holds {log_size()} entries, not {second}")
    leaves = _leaf_hashes(second)
    proof = merkle.consistency_proof(leaves, first, second)
    return proof, merkle.subtree_root(leaves, 0, first), merkle.root_hash(leaves)
