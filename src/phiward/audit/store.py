"""Reading the stored log for verification and proofs (the Django side of the engines)."""

from __future__ import annotations

import binascii
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from phiward.audit import merkle
from phiward.audit.ledger import SIGNING_KEY_OBJECT, as_signed, signing_key
from phiward.audit.merkle import ConsistencyProof, InclusionProof
from phiward.audit.models import LEAF_COLUMNS, AuditEntry, AuditHead, Checkpoint, leaf_entry
from phiward.audit.signers import Signers, rotation_of, trusted_signers
from phiward.audit.signing import SignedCheckpoint
from phiward.audit.verification import CheckpointClaim, StoredEntry, Verdict, verify_log
from phiward.core.auditing import AuditAction
from phiward.core.errors import InvalidInput, NotFound, PhiwardError

CHUNK = 5000


class VerificationFailed(PhiwardError):
    """The log, its head or a checkpoint does not agree (the message names the first problem)."""

    exit_code = 7


def raise_if_failed(verdict: Verdict) -> None:
    """``VerificationFailed`` naming the first problem, when there is one."""
    first = verdict.first
    if first is not None:
        count = verdict.problem_count
        more = f" (and {count - 1} more)" if count > 1 else ""
        raise VerificationFailed(f"audit log verification failed: {first.message}{more}")


def _stored_entries() -> Iterator[StoredEntry]:
    rows = AuditEntry.objects.order_by("seq", "id").values("id", "leaf_hash", *LEAF_COLUMNS)
    for row in rows.iterator(chunk_size=CHUNK):
        try:
            stored = bytes.fromhex(row["leaf_hash"])
        except ValueError:
            stored = b""
        yield StoredEntry(row["id"], leaf_entry(row), stored)


def _stored_checkpoints() -> list[tuple[int, int, SignedCheckpoint | None]]:
    """Every stored checkpoint as (id, tree size, checkpoint or None if unreadable)."""
    found: list[tuple[int, int, SignedCheckpoint | None]] = []
    for checkpoint in Checkpoint.objects.order_by("tree_size", "pk"):
        try:
            found.append((checkpoint.pk, checkpoint.tree_size, as_signed(checkpoint)))
        except (ValueError, binascii.Error):
            found.append((checkpoint.pk, checkpoint.tree_size, None))
    return found


def signers(stored: list[tuple[int, int, SignedCheckpoint | None]] | None = None) -> Signers:
    """The keys checkpoints may be signed by: the key in the data directory and, for the trees
    before each 'phiward audit new-signing-key', the keys it replaced (``audit.signers``)."""
    stored = _stored_checkpoints() if stored is None else stored
    rotations = AuditEntry.objects.filter(
        object_type=SIGNING_KEY_OBJECT, action=AuditAction.KEY_USE
    ).values_list("seq", "changes")
    return trusted_signers(
        signing_key().public_bytes,
        [r for seq, changes in rotations if (r := rotation_of(seq, changes)) is not None],
        [c for _, _, c in stored if c is not None],
    )


def verify(external: SignedCheckpoint | None = None, external_label: str = "") -> Verdict:
    """Recompute every leaf and the tree; check the head, stored and external checkpoints."""
    # One snapshot for head, entries and checkpoints (unless a caller's transaction is open).
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        head = AuditHead.objects.filter(pk=1).values_list("size", flat=True).first()
        stored = _stored_checkpoints()
        trusted = signers(stored)
        claims = [
            CheckpointClaim(
                f"stored checkpoint {pk}",
                size,
                checkpoint.root if checkpoint is not None else b"",
                checkpoint is not None and trusted.accepts(checkpoint),
            )
            for pk, size, checkpoint in stored
        ]
        if external is not None:
            label = f"external checkpoint {external_label}".strip()
            claims.append(
                CheckpointClaim(label, external.tree_size, external.root, trusted.accepts(external))
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
