"""What ``phiward keys backup`` saves and ``phiward keys restore`` puts back.

A key backup holds the key ring and the audit log's signing key: with the database backup, they
are everything a new machine needs (docs/backup.md, "Restore drill"). Restoring replaces what is
in place only when that cannot lose anything — nothing was encrypted under the ring in place,
nothing signed with the key in place — or with ``replace``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from phiward.audit import signing
from phiward.crypto import rotation, service
from phiward.crypto.envelope import CryptoError
from phiward.crypto.keybackup import KeyBackup
from phiward.crypto.keys import KeyRing, KeyUnavailable


class RestoreRefused(CryptoError):
    """Restoring would overwrite keys that data in place still needs."""


@dataclass(frozen=True)
class Restored:
    versions: int
    location: str
    signing_key: bool  # the audit signing key was in the backup and is now in place


def _data_dir() -> Path:
    return Path(settings.DATA_DIR)


def backup_contents() -> KeyBackup:
    try:
        pem = signing.stored_pem(_data_dir())
    except ValueError as exc:
        raise CryptoError(f"the audit signing key cannot be backed up: {exc}") from exc
    return KeyBackup(service.provider().ring(), pem)


def _ring_in_use(ring: KeyRing) -> str:
    """Why the ring in place must not be overwritten ('' if it has never protected anything)."""
    from phiward.backup.keysource import backups_under

    versions = {v.version for v in ring.versions}
    values = rotation.values_under(versions)
    if values:
        return f"{values} encrypted values use it"
    backups = backups_under(_data_dir(), versions)
    if backups:
        return f"backups are sealed under it ({', '.join(p.name for p in backups)})"
    return ""


def _signing_key_in_use(pem: bytes) -> bool:
    from phiward.audit.models import Checkpoint

    key_id = signing.key_from_pem(pem, "the audit signing key").key_id
    return Checkpoint.objects.filter(key_id=key_id).exists()


def restore(contents: KeyBackup, *, replace: bool) -> Restored:
    """Put the backup's keys in place; refused (before changing anything) if that loses data."""
    chosen = service.provider()
    try:
        existing: KeyRing | None = chosen.ring()
    except KeyUnavailable:
        existing = None
    if existing is not None and existing != contents.ring and not replace:
        reason = _ring_in_use(existing)
        if reason:
            raise RestoreRefused(
                f"a different key ring is in place and {reason}; pass --replace to overwrite "
                "it (its versions not in the backup are lost)"
            )
    current_pem = signing.stored_pem(_data_dir())
    new_pem = contents.audit_signing_key
    install_key = new_pem is not None and new_pem != current_pem
    if install_key and current_pem is not None and not replace and _signing_key_in_use(current_pem):
        raise RestoreRefused(
            "a different audit signing key is in place and has signed checkpoints; pass "
            "--replace to overwrite it (those checkpoints no longer verify)"
        )
    chosen.replace_ring(contents.ring)
    service.forget_cached_keys()
    if install_key and new_pem is not None:
        from phiward.audit.ledger import _key_for

        signing.install_pem(_data_dir(), new_pem)
        _key_for.cache_clear()  # the ledger keeps the key it loaded per process
    restored = Restored(len(contents.ring.versions), chosen.description, new_pem is not None)
    also = " and the audit signing key" if restored.signing_key else ""
    service.key_use(f"key ring ({restored.versions} versions){also} restored from a backup")
    return restored
