"""The install's key source, as the sealed backup file needs it (wrap/unwrap a data key)."""

from __future__ import annotations

from phiward.crypto import service as crypto


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
