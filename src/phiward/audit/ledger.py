"""Appending to the audit log and signing its checkpoints: the log's only writer.

An append locks the single ``AuditHead`` row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
transactions here are ``BEGIN IMMEDIATE`` and already serialize writers), takes the next
sequence number, stores the entry with its leaf hash and extends the head's frontier, all in
the caller's transaction: the entry commits or rolls back with the change it records. Every
``AUDIT_CHECKPOINT_EVERY`` entries a signed checkpoint is written in the same transaction.

The signing key lives in the data directory. It is created only while nothing has signed the
log; once something has, a missing key file stops signing with ``SigningKeyMissing`` (restore
it, or replace it on the record with ``new_signing_key``) — but never stops appending.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from phiward.audit import signing
from phiward.audit.canonical import JsonValue
from phiward.audit.context import current_actor
from phiward.audit.merkle import Frontier
from phiward.audit.models import AuditEntry, AuditHead, Checkpoint
from phiward.audit.signing import SignedCheckpoint, SigningKey, SigningKeyMissing, sign_checkpoint
from phiward.core.auditing import AuditAction, AuditEvent

logger = logging.getLogger(__name__)

DEFAULT_CHECKPOINT_EVERY = 1000
CHECKPOINT_OBJECT = "audit.checkpoint"
SIGNING_KEY_OBJECT = "audit.signingkey"  # entries of new-signing-key: verification reads them
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


KeyStamp = tuple[int, int, int]  # inode, size, modification time: the file as last read


@lru_cache(maxsize=4)
def _key_for(data_dir: Path, stamp: KeyStamp) -> SigningKey:
    return signing.load(data_dir)


def signing_key() -> SigningKey:
    """The log's key, re-read when its file changes (a restore or a new key in another process).

    When the file is missing a key is created only if no key has signed this log yet; otherwise
    ``SigningKeyMissing`` explains how to restore it: a silently new key would hide the loss and
    let whoever removed the file re-sign a rewritten log.
    """
    data_dir = Path(settings.DATA_DIR)
    path = signing.key_path(data_dir)
    _finish_pending_change(data_dir)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        _refuse_if_signed(path)
        signing.create(data_dir)
        info = os.stat(path)
    return _key_for(data_dir, (info.st_ino, info.st_size, info.st_mtime_ns))


def _refuse_if_signed(path: Path) -> None:
    latest = Checkpoint.objects.order_by("-tree_size", "-pk").values_list("key_id", flat=True)
    key_id = latest.first()
    signed_before = AuditHead.objects.filter(pk=HEAD_PK, last_checkpoint_size__gt=0).exists()
    if key_id is None and not signed_before:
        return
    count = Checkpoint.objects.count()
    which = f"key {key_id}" if key_id else "a key"
    raise SigningKeyMissing(
        f"the audit signing key {path} is missing, but {count} checkpoint(s) in the database "
        f"were signed with {which}: restore it from a key backup with 'phiward keys restore "
        "FILE' (key backups carry the signing key), or, if it is lost for good, start a new "
        "key with 'phiward audit new-signing-key' (recorded in the audit log)"
    )


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


def append_many(events: Sequence[AuditEvent], *, sign_every: bool = True) -> list[AuditEntry]:
    """Append ``events`` in order, under one lock of the head (bulk imports use this).

    ``sign_every=False`` skips the automatic checkpoints (a caller that signs right after).
    """
    if not events:
        return []
    with transaction.atomic():
        head = _locked_head()
        tree = head.tree()
        every = checkpoint_every() if sign_every else 0
        now = timezone.now()
        entries = []
        key_missing = False
        for event in events:
            entry = _entry(event, tree.size, now)
            entries.append(entry)
            tree.append(bytes.fromhex(entry.leaf_hash))
            if every > 0 and not key_missing and tree.size - head.last_checkpoint_size >= every:
                try:
                    _store_checkpoint(tree, head)
                except SigningKeyMissing:
                    # The entry is appended all the same: a lost key file must not stop the
                    # writes it records. Signing waits for the key; the scheduled checkpoint
                    # job, 'phiward audit checkpoint' and 'verify' report the loss.
                    key_missing = True
                    _warn_key_missing()
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


_warned: list[bool] = []


def _warn_key_missing() -> None:
    if not _warned:
        _warned.append(True)
        logger.error(
            "audit checkpoints are not being signed: the signing key file is missing "
            "(run 'phiward audit checkpoint' for how to restore it)"
        )


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


def _store_checkpoint(tree: Frontier, head: AuditHead, key: SigningKey | None = None) -> Checkpoint:
    signed = sign_checkpoint(key or signing_key(), tree.size, tree.root(), timezone.now())
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


def _latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-tree_size", "-pk").first()


def checkpoint_if_grown(*, summary: str) -> SignedCheckpoint | None:
    """Sign the tree if it grew since the latest checkpoint (the scheduled checkpoint job).

    One transaction: an entry saying so (``summary``, then the size) is appended first and
    the checkpoint covers it, so the next run finds nothing new unless something else was
    written. None when the log is empty or the latest checkpoint already covers it.
    """
    with transaction.atomic():
        head = _locked_head()
        signing_key()  # a missing key refuses, every run, before anything is written
        latest = _latest_checkpoint()
        if head.size == 0 or (latest is not None and latest.tree_size == head.size):
            return None
        size = head.size + 1
        append_many(
            [
                AuditEvent(
                    action=AuditAction.ADMIN,
                    object_type=CHECKPOINT_OBJECT,
                    object_id=str(size),
                    summary=f"{summary} ({size} entries)",
                    changes={"tree_size": {"after": size}},
                )
            ]
        )
        head = _locked_head()
        latest = _latest_checkpoint()
        if latest is not None and latest.tree_size == head.size:
            return as_signed(latest)  # the append itself reached an automatic checkpoint
        stored = _store_checkpoint(head.tree(), head)
        head.save(update_fields=["last_checkpoint_size"])
    return as_signed(stored)


@dataclass(frozen=True)
class KeyChange:
    old_key_id: str | None
    new_key_id: str
    checkpoint: SignedCheckpoint  # the first checkpoint the new key signed


def new_signing_key() -> KeyChange:
    """Replace the audit signing key (``phiward audit new-signing-key``), on the record.

    The new key is first written beside the key file (``signing.PENDING_FILE_NAME``); one
    transaction then appends an entry naming the old and the new key (ids and public keys) and
    signs a checkpoint covering it with the new key; after the commit the pending file is
    renamed over the key file. Should the process die between commit and rename, the next
    ``signing_key()`` anywhere finishes the change (the committed entry names the pending key);
    a pending key whose transaction never committed is never used. Verification trusts the old
    key for the trees up to that entry because a checkpoint of the new key covers it. The old
    key is the key file's or, when the file is lost, the key of the latest stored checkpoint.
    """
    data_dir = Path(settings.DATA_DIR)
    _finish_pending_change(data_dir)
    try:
        old_public: bytes | None = signing.load(data_dir).public_bytes
    except FileNotFoundError:
        latest = _latest_checkpoint()
        old_public = bytes.fromhex(latest.public_key) if latest is not None else None
    new = signing.generate()
    old_id = signing.key_id(old_public) if old_public is not None else None
    signing.write_pending(data_dir, signing.pem_of(new))
    with transaction.atomic():
        _locked_head()
        append_many(
            [
                AuditEvent(
                    action=AuditAction.KEY_USE,
                    object_type=SIGNING_KEY_OBJECT,
                    object_id=new.key_id,
                    summary=f"audit signing key replaced: {old_id or 'none'} -> {new.key_id}",
                    changes={
                        "key_id": {"before": old_id, "after": new.key_id},
                        "public_key": {
                            "before": old_public.hex() if old_public is not None else None,
                            "after": new.public_bytes.hex(),
                        },
                    },
                )
            ],
            sign_every=False,  # the old key signs nothing that covers this entry
        )
        head = _locked_head()
        stored = _store_checkpoint(head.tree(), head, key=new)
        head.save(update_fields=["last_checkpoint_size"])
    signing.promote_pending(data_dir)
    _key_for.cache_clear()
    return KeyChange(old_id, new.key_id, as_signed(stored))


def _finish_pending_change(data_dir: Path) -> None:
    """Complete a key change that committed but whose key file was not renamed into place."""
    pending = signing.pending_key(data_dir)
    if pending is None:
        return
    committed = AuditEntry.objects.filter(
        object_type=SIGNING_KEY_OBJECT, action=AuditAction.KEY_USE, object_id=pending.key_id
    ).exists()
    if committed:
        signing.promote_pending(data_dir)
