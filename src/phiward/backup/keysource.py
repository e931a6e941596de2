"""The install's key source, as the sealed backup file needs it (wrap/unwrap a data key).

Also answers which backups need which key version: a backup's data key is wrapped under the
version current when it was made, so that version must not be retired while the backup is kept.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from phiward.backup.sealed import SealError, read_header
from phiward.crypto import service as crypto

# Where 'phiward backup' writes when no --output is given (relative to the data directory).
BACKUP_DIR = "backups"


class InstallKey:
    """Wraps backup data keys under the current key-encryption key version; audit-logged."""

    def wrap(self, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        provider = crypto.provider()
        version = provider.current_version()
        wrapped = provider.wrap(data_key, version, {"purpose": context.decode()})
        crypto.key_use(f"wrapped a backup data key under key version {version}")
        return str(version), wrapped

    def unwrap(self, version: str, wrapped: bytes, context: bytes) -> bytes:
        data_key = crypto.provider().unwrap(wrapped, int(version), {"purpose": context.decode()})
        crypto.key_use(f"unwrapped a backup data key (key version {version})")
        return data_key


def backup_key_version(path: Path) -> int | None:
    """The key version a backup file is sealed under (None: not a readable sealed file)."""
    try:
        with path.open("rb") as source:
            version = read_header(source).version
    except SealError:
        return None  # a damaged header opens under no key: it does not hold a version back
    return int(version) if version.isdecimal() else None


def backups_under(data_dir: Path, versions: Collection[int]) -> list[Path]:
    """The backups in ``<data dir>/backups/*.pwbak`` sealed under one of ``versions``."""
    folder = data_dir / BACKUP_DIR
    if not folder.is_dir():
        return []
    return [
        path
        for path in sorted(folder.glob("*.pwbak"))
        if path.is_file() and backup_key_version(path) in versions
    ]
