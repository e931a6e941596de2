"""Key-encryption keys (KEKs): the key ring, where it lives, and the providers that use it.

A *key ring* lists KEK versions (1, 2, …); the highest version not retired is current. It
records the environment it was made for — development, test, staging or production — and a
provider refuses a ring of another environment, so keys of different environments are distinct
by construction. The environment is also part of what every wrap authenticates, so editing the
ring's label does not make another environment's data keys open.

Providers (``PHIWARD_KEY_PROVIDER``):

``file`` (default)
    The ring, with the key material, in ``<data dir>/keyring.json`` (mode 0600), created by
    ``phiward init``. Every use checks the file's identity (inode, size, modification time) and
    reads it again when another process changed it, so a long-running server seals under the
    version ``phiward keys rotate`` made current and stops using one ``keys retire`` retired.
``env``
    The same ring document, base64-encoded, in ``PHIWARD_MASTER_KEY``. Read-only: rotation and
    retirement happen where the variable is managed.
``aws-kms``
    The ring in ``keyring.json`` holds AWS KMS key ids instead of material; data keys are
    wrapped by KMS ``Encrypt``/``Decrypt`` with an encryption context. New versions use
    ``PHIWARD_KMS_KEY_ID``.

Pure: no Django.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from phiward.crypto.envelope import CryptoError

RING_FORMAT = "phiward-keyring/1"
RING_FILE = "keyring.json"
NONCE_BYTES = 12


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"


class ProviderKind(StrEnum):
    FILE = "file"
    ENV = "env"
    AWS_KMS = "aws-kms"


class KeyUnavailable(CryptoError):
    """No key ring, or no usable key version for the request."""


class KeyEnvironmentMismatch(CryptoError):
    """A key made for one environment was offered to another."""


class KeyRingReadOnly(CryptoError):
    """The provider's ring cannot be changed from phiward (``env``)."""


class KmsClient(Protocol):
    """The two calls of a boto3 KMS client phiward uses."""

    def encrypt(
        self, *, KeyId: str, Plaintext: bytes, EncryptionContext: Mapping[str, str]
    ) -> Mapping[str, object]: ...

    def decrypt(
        self, *, KeyId: str, CiphertextBlob: bytes, EncryptionContext: Mapping[str, str]
    ) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class KeyVersion:
    version: int
    created_at: datetime
    fingerprint: str  # identifies the material without revealing it (or the KMS key id)
    retired_at: datetime | None = None
    secret: bytes | None = field(default=None, repr=False)  # local providers
    kms_key_id: str = ""  # aws-kms

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


@dataclass(frozen=True)
class KeyRing:
    environment: Environment
    provider: ProviderKind
    versions: tuple[KeyVersion, ...]

    @property
    def current(self) -> KeyVersion:
        live = [v for v in self.versions if not v.retired]
        if not live:
            raise KeyUnavailable("the key ring has no version that is not retired")
        return max(live, key=lambda v: v.version)

    def get(self, version: int) -> KeyVersion:
        for candidate in self.versions:
            if candidate.version == version:
                if candidate.retired:
                    raise KeyUnavailable(f"key version {version} is retired")
                return candidate
        raise KeyUnavailable(
            f"key version {version} is not in the key ring (restore it with 'phiward keys restore')"
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": RING_FORMAT,
                "environment": self.environment.value,
                "provider": self.provider.value,
                "versions": [_version_to_dict(v) for v in self.versions],
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, *, source: str) -> KeyRing:
        try:
            data = json.loads(text)
            if data.get("format") != RING_FORMAT:
                raise KeyUnavailable(f"{source} is not a phiward key ring")
            return cls(
                environment=Environment(data["environment"]),
                provider=ProviderKind(data["provider"]),
                versions=tuple(_version_from_dict(v) for v in data["versions"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
            raise KeyUnavailable(f"{source} is not a readable phiward key ring") from exc


def _version_to_dict(v: KeyVersion) -> dict[str, object]:
    out: dict[str, object] = {
        "version": v.version,
        "created_at": v.created_at.isoformat(),
        "fingerprint": v.fingerprint,
        "retired_at": v.retired_at.isoformat() if v.retired_at else None,
    }
    if v.secret is not None:
        out["key"] = base64.b64encode(v.secret).decode("ascii")
    if v.kms_key_id:
        out["kms_key_id"] = v.kms_key_id
    return out


def _version_from_dict(d: Mapping[str, object]) -> KeyVersion:
    created = datetime.fromisoformat(str(d["created_at"]))
    retired = d.get("retired_at")
    key = d.get("key")
    secret = base64.b64decode(str(key), validate=True) if key else None
    if secret is not None and len(secret) != 32:
        raise ValueError("a key version must hold 32 bytes")
    if created.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return KeyVersion(
        version=int(str(d["version"])),
        created_at=created,
        fingerprint=str(d["fingerprint"]),
        retired_at=datetime.fromisoformat(str(retired)) if retired else None,
        secret=secret,
        kms_key_id=str(d.get("kms_key_id") or ""),
    )


def fingerprint(secret: bytes) -> str:
    return hashlib.sha256(b"phiward-kek-fingerprint\0" + secret).hexdigest()[:16]


def new_local_version(version: int, now: datetime) -> KeyVersion:
    secret = AESGCM.generate_key(bit_length=256)
    return KeyVersion(version, now, fingerprint(secret), secret=secret)


def new_ring(
    environment: Environment, provider: ProviderKind, now: datetime, *, kms_key_id: str = ""
) -> KeyRing:
    if provider == ProviderKind.AWS_KMS:
        if not kms_key_id:
            raise KeyUnavailable("the aws-kms provider needs PHIWARD_KMS_KEY_ID")
        first = KeyVersion(1, now, kms_key_id, kms_key_id=kms_key_id)
    else:
        first = new_local_version(1, now)
    return KeyRing(environment, provider, (first,))


# ----- where the ring lives -----------------------------------------------------------------


# What identifies one state of a stored ring: (inode, size, mtime in ns); None when absent.
RingStamp = tuple[int, int, int] | None


class RingStore(Protocol):
    @property
    def description(self) -> str: ...

    @property
    def writable(self) -> bool: ...

    def stamp(self) -> RingStamp:
        """Changes whenever the stored ring may have changed (a ``stat``, not a read)."""
        ...

    def load(self) -> KeyRing | None: ...

    def save(self, ring: KeyRing) -> None: ...


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (mode 0600), atomically and durably."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    os.chmod(path, 0o600)


@dataclass
class FileRingStore:
    path: Path
    writable: bool = True

    @property
    def description(self) -> str:
        return str(self.path)

    def stamp(self) -> RingStamp:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns)

    def load(self) -> KeyRing | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return KeyRing.from_json(text, source=str(self.path))

    def save(self, ring: KeyRing) -> None:
        write_private_file(self.path, ring.to_json() + "\n")


@dataclass
class EnvRingStore:
    value: str
    description: str = "PHIWARD_MASTER_KEY"
    writable: bool = False

    def stamp(self) -> RingStamp:
        return (0, len(self.value), 0)  # the variable does not change while phiward runs

    def load(self) -> KeyRing | None:
        try:
            text = base64.b64decode(self.value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise KeyUnavailable("PHIWARD_MASTER_KEY is not base64 of a phiward key ring") from exc
        return KeyRing.from_json(text, source="PHIWARD_MASTER_KEY")

    def save(self, ring: KeyRing) -> None:
        raise KeyRingReadOnly(
            "PHIWARD_MASTER_KEY is read-only for phiward: change the key ring where the "
            "variable is managed (see docs/key-management.md)"
        )


def ring_as_env_value(ring: KeyRing) -> str:
    return base64.b64encode(ring.to_json().encode("utf-8")).decode("ascii")


# ----- providers ----------------------------------------------------------------------------


class KeyProvider(Protocol):
    kind: ProviderKind
    environment: Environment

    @property
    def description(self) -> str: ...

    def ring(self) -> KeyRing: ...

    def current_version(self) -> int: ...

    def versions(self) -> tuple[KeyVersion, ...]: ...

    def wrap(self, dek: bytes, version: int, context: Mapping[str, str]) -> bytes: ...

    def unwrap(self, wrapped: bytes, version: int, context: Mapping[str, str]) -> bytes: ...

    def add_version(self, now: datetime) -> KeyVersion: ...

    def retire(self, version: int, now: datetime) -> KeyVersion: ...

    def replace_ring(self, ring: KeyRing) -> None: ...


def _wrap_aad(environment: Environment, version: int, context: Mapping[str, str]) -> bytes:
    full = {"purpose": "phiward-dek", "environment": environment.value, "kek": str(version)}
    full.update(context)
    return json.dumps(full, sort_keys=True, separators=(",", ":")).encode("utf-8")


class _RingProvider:
    kind: ProviderKind

    def __init__(self, store: RingStore, environment: Environment) -> None:
        self.store = store
        self.environment = environment
        self._ring: KeyRing | None = None
        self._stamp: RingStamp = None

    @property
    def description(self) -> str:
        return self.store.description

    def ring(self) -> KeyRing:
        """The stored ring, read again whenever its stamp changed since the last read.

        Another process (``phiward keys rotate``, ``retire``, ``restore``) may replace the ring
        at any time; reading the stamp on every use makes this process follow it at once.
        """
        stamp = self.store.stamp()
        if self._ring is None or stamp != self._stamp:
            ring = self.store.load()
            if ring is None:
                raise KeyUnavailable(
                    f"no key ring at {self.store.description}: run 'phiward init', or "
                    "'phiward keys restore' from a key backup"
                )
            self._ring, self._stamp = self._checked(ring), stamp
        return self._ring

    def _checked(self, ring: KeyRing) -> KeyRing:
        if ring.environment != self.environment:
            raise KeyEnvironmentMismatch(
                f"the key ring at {self.store.description} belongs to the "
                f"{ring.environment.value} environment, but phiward runs as "
                f"{self.environment.value} (PHIWARD_ENVIRONMENT); keys are never shared "
                "between environments"
            )
        if ring.provider != self.kind:
            raise KeyUnavailable(
                f"the key ring at {self.store.description} is for the {ring.provider.value} "
                f"provider, not {self.kind.value} (PHIWARD_KEY_PROVIDER)"
            )
        return ring

    def current_version(self) -> int:
        return self.ring().current.version

    def versions(self) -> tuple[KeyVersion, ...]:
        return self.ring().versions

    def _save(self, ring: KeyRing) -> None:
        self.store.save(ring)  # the env store raises KeyRingReadOnly
        self._ring, self._stamp = ring, self.store.stamp()

    def _new_version(self, number: int, now: datetime) -> KeyVersion:
        return new_local_version(number, now)

    def add_version(self, now: datetime) -> KeyVersion:
        ring = self.ring()
        number = max(v.version for v in ring.versions) + 1
        added = self._new_version(number, now)
        self._save(replace(ring, versions=(*ring.versions, added)))
        return added

    def retire(self, version: int, now: datetime) -> KeyVersion:
        ring = self.ring()
        target = ring.get(version)
        if target.version == ring.current.version:
            raise CryptoError(f"key version {version} is the current version; rotate first")
        # Retiring destroys the material: nothing can be decrypted with it again.
        retired = replace(target, retired_at=now, secret=None)
        self._save(
            replace(
                ring,
                versions=tuple(retired if v.version == version else v for v in ring.versions),
            )
        )
        return retired

    def replace_ring(self, ring: KeyRing) -> None:
        self._save(self._checked(ring))


class LocalKeyProvider(_RingProvider):
    """KEKs held by phiward itself: the key file (``file``) or ``PHIWARD_MASTER_KEY`` (``env``)."""

    def __init__(self, store: RingStore, environment: Environment, kind: ProviderKind) -> None:
        super().__init__(store, environment)
        self.kind = kind

    def _secret(self, version: int) -> bytes:
        secret = self.ring().get(version).secret
        if secret is None:
            raise KeyUnavailable(f"key version {version} holds no key material")
        return secret

    def wrap(self, dek: bytes, version: int, context: Mapping[str, str]) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        aad = _wrap_aad(self.environment, version, context)
        return nonce + AESGCM(self._secret(version)).encrypt(nonce, dek, aad)

    def unwrap(self, wrapped: bytes, version: int, context: Mapping[str, str]) -> bytes:
        aad = _wrap_aad(self.environment, version, context)
        try:
            return AESGCM(self._secret(version)).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad
            )
        except InvalidTag as exc:
            raise KeyUnavailable(
                f"a data key does not open with key version {version} of this key ring "
                f"(fingerprint {self.ring().get(version).fingerprint}): the ring was replaced, "
                "or the data comes from another install or environment"
            ) from exc


class AwsKmsKeyProvider(_RingProvider):
    """KEKs held by AWS KMS; the ring maps phiward key versions to KMS key ids."""

    kind = ProviderKind.AWS_KMS

    def __init__(
        self, store: RingStore, environment: Environment, client: KmsClient, key_id: str
    ) -> None:
        super().__init__(store, environment)
        self.client = client
        self.key_id = key_id

    def _context(self, version: int, context: Mapping[str, str]) -> dict[str, str]:
        return {
            "phiward:environment": self.environment.value,
            "phiward:kek": str(version),
            **{f"phiward:{k}": v for k, v in context.items()},
        }

    def _new_version(self, number: int, now: datetime) -> KeyVersion:
        if not self.key_id:
            raise KeyUnavailable("a new aws-kms key version needs PHIWARD_KMS_KEY_ID")
        return KeyVersion(number, now, self.key_id, kms_key_id=self.key_id)

    def wrap(self, dek: bytes, version: int, context: Mapping[str, str]) -> bytes:
        key_id = self.ring().get(version).kms_key_id
        answer = self.client.encrypt(
            KeyId=key_id, Plaintext=dek, EncryptionContext=self._context(version, context)
        )
        blob = answer["CiphertextBlob"]
        assert isinstance(blob, bytes)
        return blob

    def unwrap(self, wrapped: bytes, version: int, context: Mapping[str, str]) -> bytes:
        key_id = self.ring().get(version).kms_key_id
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        try:
            answer = self.client.decrypt(
                KeyId=key_id,
                CiphertextBlob=wrapped,
                EncryptionContext=self._context(version, context),
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise KeyUnavailable(
                f"AWS KMS refused to unwrap a data key with key version {version} "
                f"({key_id}): {code} (wrong key, environment or context)"
            ) from exc
        plain = answer["Plaintext"]
        assert isinstance(plain, bytes)
        return plain


def _kms_client() -> KmsClient:
    import boto3  # type: ignore[import-untyped]  # the optional 'aws' extra

    client: KmsClient = boto3.client("kms")
    return client


def environment_from(environ: Mapping[str, str]) -> Environment:
    value = environ.get("PHIWARD_ENVIRONMENT", "").strip() or Environment.DEVELOPMENT.value
    try:
        return Environment(value)
    except ValueError as exc:
        choices = ", ".join(e.value for e in Environment)
        raise CryptoError(f"PHIWARD_ENVIRONMENT must be one of {choices}") from exc


def provider_kind_from(environ: Mapping[str, str]) -> ProviderKind:
    value = environ.get("PHIWARD_KEY_PROVIDER", "").strip() or ProviderKind.FILE.value
    try:
        return ProviderKind(value)
    except ValueError as exc:
        choices = ", ".join(p.value for p in ProviderKind)
        raise CryptoError(f"PHIWARD_KEY_PROVIDER must be one of {choices}") from exc


def provider_from_environment(
    environ: Mapping[str, str],
    data_dir: Path,
    kms_client: Callable[[], KmsClient] = _kms_client,
) -> KeyProvider:
    """The provider the environment variables choose (see the module docstring)."""
    environment = environment_from(environ)
    kind = provider_kind_from(environ)
    ring_file = FileRingStore(data_dir / RING_FILE)
    if kind == ProviderKind.ENV:
        value = environ.get("PHIWARD_MASTER_KEY", "")
        if not value.strip():
            raise KeyUnavailable("PHIWARD_KEY_PROVIDER=env needs PHIWARD_MASTER_KEY")
        return LocalKeyProvider(EnvRingStore(value), environment, kind)
    if kind == ProviderKind.AWS_KMS:
        key_id = environ.get("PHIWARD_KMS_KEY_ID", "").strip()
        return AwsKmsKeyProvider(ring_file, environment, kms_client(), key_id)
    return LocalKeyProvider(ring_file, environment, kind)
