"""The audit log's tables: entries (the tree's leaves), its head, and signed checkpoints.

Entries are append-only: the one writer is ``ledger.append``. Organization and actor are
plain integers, not foreign keys, so deleting an organization or a user neither blocks on nor
rewrites the entries that mention it (rewriting would break their leaf hashes).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from phiward.audit.canonical import LeafEntry
from phiward.audit.merkle import Frontier
from phiward.core.auditing import AuditAction


class AuditEntry(models.Model):
    seq = models.BigIntegerField(help_text="Leaf index in the Merkle tree: 0, 1, 2, ...")
    timestamp = models.DateTimeField()
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=30, choices=[(a.value, a.value) for a in AuditAction])
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=20, blank=True)
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["seq"], name="audit_seq_unique")]
        indexes = [models.Index(fields=["organization_id", "timestamp"], name="audit_org_time")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} {self.object_id}".strip()

    def as_leaf(self) -> LeafEntry:
        return leaf_entry(
            {
                "seq": self.seq,
                "timestamp": self.timestamp,
                "organization_id": self.organization_id,
                "actor_id": self.actor_id,
                "actor": self.actor,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "summary": self.summary,
                "changes": self.changes,
                "source": self.source,
            }
        )


LEAF_COLUMNS = (
    "seq",
    "timestamp",
    "organization_id",
    "actor_id",
    "actor",
    "action",
    "object_type",
    "object_id",
    "summary",
    "changes",
    "source",
)


def leaf_entry(row: dict[str, Any]) -> LeafEntry:
    """The tree's view of a row (from ``values(*LEAF_COLUMNS)`` or a model instance)."""
    timestamp = row["timestamp"]
    assert isinstance(timestamp, dt.datetime)
    return LeafEntry(
        seq=int(row["seq"]),
        timestamp=timestamp,
        organization_id=row["organization_id"],
        actor_id=row["actor_id"],
        actor=row["actor"],
        action=row["action"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        summary=row["summary"],
        changes=row["changes"] if isinstance(row["changes"], dict) else {},
        source=row["source"],
    )


class AuditHead(models.Model):
    """The one row every append locks: the log's size and the right edge of its tree."""

    size = models.BigIntegerField(default=0)
    frontier = models.JSONField(
        default=list, help_text="Perfect-subtree roots, hex, largest first."
    )
    last_checkpoint_size = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit head at {self.size}"

    def tree(self) -> Frontier:
        return Frontier(self.size, [bytes.fromhex(h) for h in self.frontier])

    def set_tree(self, frontier: Frontier) -> None:
        self.size = frontier.size
        self.frontier = [h.hex() for h in frontier.hashes]


class Checkpoint(models.Model):
    """A signed tree head: the log had ``tree_size`` entries with root ``root_hash``."""

    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    public_key = models.CharField(max_length=64)
    signature = models.CharField(max_length=100)  # base64 Ed25519 signature of the body
    origin = models.CharField(max_length=100)

    class Meta:
        ordering = ["tree_size", "pk"]

    def __str__(self) -> str:
        return f"checkpoint at {self.tree_size}"
