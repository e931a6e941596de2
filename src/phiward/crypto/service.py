"""Sealing and opening field values with the install's keys: the Django side of the envelope.

Each process makes one data key (DEK) per organization and key-encryption-key (KEK) version on
its first write, wraps it with the KEK and keeps it in memory; the wrapped DEK travels inside
every ciphertext it seals. Unwrapped DEKs are cached per process, so the KEK (or AWS KMS) is
asked once per DEK and process, not on every read.

The provider follows the stored ring (another process may rotate or retire meanwhile): every
write seals under the ring's current version as it is now, and when the ring changes the
cached DEKs of versions that are no longer current (for writing) or that were retired (for
anything) are dropped.

Audit granularity (``AuditAction.KEY_USE``): making and wrapping a DEK is recorded; an unwrap is
recorded the first time a process unwraps that DEK (later reads use the cache and are not
recorded one by one); rotation, retirement, backup and restore are recorded by ``rotation`` and
the CLI.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.crypto import envelope
from phiward.crypto.envelope import Binding, DataKey
from phiward.crypto.keys import (
    RING_FILE,
    Environment,
    FileRingStore,
    KeyProvider,
    KeyRing,
    KeyUnavailable,
    ProviderKind,
    new_ring,
    provider_from_environment,
)

_lock = threading.Lock()
_provider: KeyProvider | None = None
_unwrapped: dict[tuple[int, bytes], DataKey] = {}  # (organization id, wrapped) -> key
_current: dict[tuple[int, int], DataKey] = {}  # (organization id, KEK version) -> key
_seen_ring: KeyRing | None = None  # the ring the caches were last checked against


def provider() -> KeyProvider:
    """The provider chosen by ``PHIWARD_KEY_PROVIDER`` (built once per process)."""
    global _provider
    with _lock:
        if _provider is None:
            _provider = provider_from_environment(os.environ, Path(settings.DATA_DIR))
        return _provider


def use_provider(chosen: KeyProvider | None) -> None:
    """Replace the provider (``None``: read the environment again) and forget cached keys."""
    global _provider
    with _lock:
        _provider = chosen
    forget_cached_keys()


def forget_cached_keys() -> None:
    global _seen_ring
    with _lock:
        _unwrapped.clear()
        _current.clear()
        _seen_ring = None


def _follow(ring: KeyRing) -> None:
    """Drop cached data keys the ring no longer allows (it changed since the last look)."""
    global _seen_ring
    with _lock:
        if ring is _seen_ring:
            return
        current = ring.current.version
        usable = {v.version for v in ring.versions if not v.retired}
        for stale in [k for k, key in _current.items() if key.kek_version != current]:
            del _current[stale]
        for gone in [k for k, key in _unwrapped.items() if key.kek_version not in usable]:
            del _unwrapped[gone]
        _seen_ring = ring


def now() -> datetime:
    return datetime.now(UTC)


def key_use(summary: str, *, organization_id: int | None = None, kid: str = "") -> None:
    record(
        AuditEvent(
            action=AuditAction.KEY_USE,
            organization_id=organization_id,
            object_type="crypto.datakey" if kid else "crypto.keyring",
            object_id=kid,
            summary=summary,
            source="system",
        )
    )


def ensure_key_ring() -> bool:
    """Create the key ring at ``phiward init`` if there is none (True if it was created).

    Refuses when encrypted values already exist: a new ring could not open them, and the way
    back is ``phiward keys restore``.
    """
    from phiward.crypto.rotation import sealed_values_exist

    chosen = provider()
    try:
        chosen.ring()
    except KeyUnavailable:
        if chosen.kind == ProviderKind.ENV:
            raise
        if sealed_values_exist():
            raise KeyUnavailable(
                "encrypted values exist but their key ring is missing: restore it with "
                "'phiward keys restore BACKUP' instead of creating a new one"
            ) from None
        kms_key_id = os.environ.get("PHIWARD_KMS_KEY_ID", "").strip()
        chosen.replace_ring(new_ring(chosen.environment, chosen.kind, now(), kms_key_id=kms_key_id))
        key_use(f"created the {chosen.environment.value} key ring ({chosen.kind.value})")
        return True
    return False


def create_test_key_ring(data_dir: Path) -> None:
    """The test suite's own ring (test environment) in ``data_dir``, if none is there.

    The provider is built here, once: tests that point ``DATA_DIR`` elsewhere keep these keys.
    """
    store = FileRingStore(data_dir / RING_FILE)
    if store.load() is None:
        store.save(new_ring(Environment.TEST, ProviderKind.FILE, now()))
    use_provider(None)
    provider().ring()


def _context(organization_id: int) -> dict[str, str]:
    return {"organization": str(organization_id)}


def data_key_for_write(organization_id: int) -> DataKey:
    """This process's data key for the organization under the ring's current KEK version.

    The ring is looked at on every call (a ``stat`` for the key file), so a version made
    current by another process is used from its next write on, and a retired one never is.
    """
    chosen = provider()
    ring = chosen.ring()
    _follow(ring)
    version = ring.current.version  # never a retired version: ``current`` skips them
    with _lock:
        cached = _current.get((organization_id, version))
    if cached is not None:
        return cached
    material = envelope.new_data_key_material()
    wrapped = chosen.wrap(material, version, _context(organization_id))
    key = DataKey(version, wrapped, material)
    with _lock:
        key = _current.setdefault((organization_id, version), key)
        _unwrapped[(organization_id, key.wrapped)] = key
    key_use(
        f"made data key {key.kid}, wrapped with key version {version}",
        organization_id=organization_id,
        kid=key.kid,
    )
    return key


def data_key(header: envelope.Header, organization_id: int) -> DataKey:
    """The unwrapped data key of a ciphertext header (cached per process)."""
    _follow(provider().ring())
    with _lock:
        cached = _unwrapped.get((organization_id, header.wrapped))
    if cached is not None:
        return cached
    material = provider().unwrap(header.wrapped, header.kek_version, _context(organization_id))
    key = DataKey(header.kek_version, header.wrapped, material)
    with _lock:
        first = (organization_id, header.wrapped) not in _unwrapped
        _unwrapped[(organization_id, header.wrapped)] = key
    if first:
        key_use(
            f"unwrapped data key {key.kid} with key version {header.kek_version} "
            "(first use in this process)",
            organization_id=organization_id,
            kid=key.kid,
        )
    return key


def seal_value(plaintext: str, binding: Binding) -> str:
    return envelope.seal(plaintext, data_key_for_write(binding.organization_id), binding)


def open_value(token: str, binding: Binding) -> str:
    header = envelope.read_header(token)
    return envelope.open_sealed(token, data_key(header, binding.organization_id), binding)


def current_version() -> int:
    return provider().current_version()
