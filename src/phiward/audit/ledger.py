"""Appending to the audit log and signing its checkpoints: the log's only writer.

An append locks the single ``AuditHead`` row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
transactions here are ``BEGIN IMMEDIATE`` and already serialize writers), takes the next
sequence number, stores the entry with its leaf hash and extends the head's frontier, all in
the caller's transaction: the entry commits or rolls back with the change it records. Every
``AUDIT_CHECKPOINT_EVERY`` entries a signed checkpoint is written in the same transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from phiward.audit.canonical import JsonValue
from phiward.audit.context import current_actor
from phiward.audit.merkle import Frontier
from phiward.audit.models import AuditEntry, AuditHead, Checkpoint
from phiward.audit.signing import SignedCheckpoint, SigningKey, load_or_create, sign_checkpoint
from phiward.core.auditing import AuditAction, AuditEvent

DEFAULT_CHECKPOINT_EVERY = 1000
BULK_BATCH = 500
HEAD_PK = 1


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, bytes | memoryview):
            return bytes(o).hex()
        if isinstance(o, set | frozenset):
            return sorted(o, key=str)
        return super().default(o)


def json_safe(changes: Mapping[str, Any]) -> dict[str, JsonValue]:
    """``changes`` as plain JSON values, exactly as they will read back from the database."""
    loaded: dict[str, JsonValue] = json.loads(json.dumps(dict(changes), cls=_Encoder))
    return loaded


def checkpoint_every() -> int:
    return int(getattr(settings, "AUDIT_CHECKPOINT_EVERY", DEFAULT_CHECKPOINT_EVERY))


@lru_cache(maxsize=4)
def _key_for(data_dir: Path) -> SigningKey:
    return load_or_create(data_dir)


def signing_key() -> SigningKey:
    return _key_for(Path(settings.DATA_DIR))


def record_event(event: AuditEvent) -> None:
    """The recorder installed into ``phiward.core.auditing``: fills in the actor and appends."""
    append_many([event])


def _entry(event: AuditEvent, seq: int, now: dt.datetime) -> AuditEntry:
    actor = current_actor()
    if event.actor_id is None and not event.actor:
        actor_id, actor_name = actor.id, actor.name
    else:
        actor_id, actor_name = event.actor_id, event.actor
    entry = AuditEntry(
        seq=seq,
        timestamp=now,
        organization_id=event.organization_id,
        actor_id=actor_id,
        actor=actor_name[:150],
        action=AuditAction(event.action).value,
        object_type=event.object_type[:100],
        object_id=str(event.object_id)[:100],
        summary=event.summary[:500],
        changes=json_safe(event.changes or {}),
        source=(event.source or actor.source)[:20],
    )
    entry.leaf_hash = entry.as_leaf().leaf_hash().hex()
    return entry


def append_many(events: Sequence[AuditEvent]) -> list[AuditEntry]:
    """Append ``events`` in order, under one lock of the head (bulk imports use this)."""
    if not events:
        return []
    with transaction.atomic():
        head = _locked_head()
        tree = head.tree()
        every = checkpoint_every()
        now = timezone.now()
        entries = []
        for event in events:
            entry = _entry(event, tree.size, now)
            entries.append(entry)
            tree.append(bytes.fromhex(entry.leaf_hash))
            if every > 0 and tree.size - head.last_checkpoint_size >= every:
                _store_checkpoint(tree, head)
        AuditEntry.objects.bulk_create(entries, batch_size=BULK_BATCH)
        head.set_tree(tree)
        head.save(update_fields=["size", "frontier", "last_checkpoint_size"])
    return entries


def append(
    *,
    action: AuditAction,
    organization_id: int | None = None,
    actor_id: int | None = None,
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    summary: str = "",
    changes: Mapping[str, Any] | None = None,
    source: str = "",
) -> AuditEntry:
    """Append one entry; an empty ``actor`` means the current request's user or the CLI."""
    event = AuditEvent(
        action=action,
        organization_id=organization_id,
        actor_id=actor_id,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        summary=summary,
        changes=changes or {},
        source=source,
    )
    return append_many([event])[0]


def _locked_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is None:
        _create_head()
        head = AuditHead.objects.select_for_update().get(pk=HEAD_PK)
    return head


def _create_head() -> None:
    """The head row, rebuilt from the stored leaves (a fresh database has none)."""
    frontier = Frontier()
    for leaf in AuditEntry.objects.order_by("seq").values_list("leaf_hash", flat=True).iterator():
        frontier.append(bytes.fromhex(leaf))
    head = AuditHead(pk=HEAD_PK)
    head.set_tree(frontier)
    last = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first()
    head.last_checkpoint_size = last or 0
    try:  # a concurrent creator may win; its row is as good as ours
        with transaction.atomic():
            head.save(force_insert=True)
    except IntegrityError:
        pass


def _store_checkpoint(tree: Frontier, head: AuditHead) -> Checkpoint:
    signed = sign_checkpoint(signing_key(), tree.size, tree.root(), timezone.now())
    head.last_checkpoint_size = tree.size
    return Checkpoint.objects.create(
        tree_size=signed.tree_size,
        root_hash=signed.root.hex(),
        timestamp=signed.timestamp,
        key_id=signed.key_id,
        public_key=signed.public_key.hex(),
        signature=signed.as_json()["signature"],
        origin=signed.origin,
    )


def write_checkpoint() -> SignedCheckpoint:
    """Sign the current tree head now (``phiward audit checkpoint``)."""
    with transaction.atomic():
        head = _locked_head()
        stored = _store_checkpoint(head.tree(), head)
        head.save(update_fields=["last_checkpoint_size"])
    return as_signed(stored)


def as_signed(checkpoint: Checkpoint) -> SignedCheckpoint:
    timestamp = checkpoint.timestamp
    assert isinstance(timestamp, dt.datetime)
    return SignedCheckpoint(
        tree_size=checkpoint.tree_size,
        root=bytes.fromhex(checkpoint.root_hash),
        timestamp=timestamp,
        key_id=checkpoint.key_id,
        signature=base64.b64decode(checkpoint.signature),
        public_key=bytes.fromhex(checkpoint.public_key),
        origin=checkpoint.origin,
    )
