"""Which keys may have signed a checkpoint: today's key, and the keys it replaced.

``phiward audit new-signing-key`` appends an entry naming the old and the new public key, then
signs a checkpoint covering that entry with the new key. A replaced key is trusted only for
trees up to that entry (it may have been stolen: it must not vouch for anything later), and
only when a checkpoint that a trusted key validly signed covers the entry — the entry is then
bound by a tree the trusted key signed, and verification checks that tree against the log. The
chain is followed back through every replacement. Pure: no Django.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from phiward.audit.signing import SignedCheckpoint


@dataclass(frozen=True)
class KeyRotation:
    seq: int  # the entry that records the replacement
    old_public_key: bytes | None  # None: there was no key before
    new_public_key: bytes


@dataclass(frozen=True)
class Signers:
    """Trusted public keys, each with the largest tree size it may sign (None: any)."""

    limits: Mapping[bytes, int | None]

    def accepts(self, checkpoint: SignedCheckpoint) -> bool:
        return any(
            (limit is None or checkpoint.tree_size <= limit) and checkpoint.signature_valid(key)
            for key, limit in self.limits.items()
        )


def rotation_of(seq: int, changes: object) -> KeyRotation | None:
    """The replacement an entry's ``changes`` record, or None if they are not one."""
    if not isinstance(changes, Mapping):
        return None
    public = changes.get("public_key")
    if not isinstance(public, Mapping):
        return None
    before, after = public.get("before"), public.get("after")
    try:
        new = bytes.fromhex(after) if isinstance(after, str) else None
        old = bytes.fromhex(before) if isinstance(before, str) else None
    except (ValueError, binascii.Error):
        return None
    if new is None:
        return None
    return KeyRotation(seq, old, new)


def trusted_signers(
    current: bytes, rotations: Iterable[KeyRotation], checkpoints: Sequence[SignedCheckpoint]
) -> Signers:
    limits: dict[bytes, int | None] = {current: None}
    pending = sorted((r for r in rotations if r.old_public_key is not None), key=lambda r: -r.seq)
    progress = True
    while progress:
        progress = False
        for rotation in list(pending):
            old = rotation.old_public_key
            assert old is not None
            if rotation.new_public_key not in limits:
                continue
            signer = Signers({rotation.new_public_key: limits[rotation.new_public_key]})
            covered = any(c.tree_size > rotation.seq and signer.accepts(c) for c in checkpoints)
            if covered:
                pending.remove(rotation)
                if old not in limits:
                    limits[old] = rotation.seq
                else:
                    known = limits[old]
                    limits[old] = None if known is None else max(known, rotation.seq)
                progress = True
    return Signers(limits)
