"""Signed checkpoints: the Ed25519 key in the data dir and the checkpoint text it signs.

The signed body follows the shape of a C2SP tlog checkpoint: an origin line, the tree size in
decimal, the root hash in base64, then one extension line with the time. An external verifier
needs only the public key (exported with every checkpoint) and these four lines.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from phiward.audit.canonical import timestamp_text
from phiward.audit.merkle import HASH_SIZE
from phiward.core.errors import PhiwardError

KEY_FILE_NAME = "audit-signing-key.pem"
ORIGIN = "phiward audit log"


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def key_id(self) -> str:
        return key_id(self.public_bytes)

    def sign(self, body: bytes) -> bytes:
        return self.private.sign(body)


def key_id(public_key: bytes) -> str:
    """The first 8 bytes of SHA-256 of the raw public key, in hex."""
    return hashlib.sha256(public_key).hexdigest()[:16]


class SigningKeyMissing(PhiwardError):
    """The key file is gone although checkpoints in the database were signed with a key."""

    exit_code = 7


def key_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILE_NAME


def load(data_dir: Path) -> SigningKey:
    """The key in ``data_dir``; ``FileNotFoundError`` when there is none."""
    return _load(key_path(data_dir))


def generate() -> SigningKey:
    return SigningKey(Ed25519PrivateKey.generate())


def pem_of(key: SigningKey) -> bytes:
    return key.private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def create(data_dir: Path) -> SigningKey:
    """A new key written once (mode 0600); of two processes racing, one writes, both use it.

    Only for a log that no key has signed yet: the caller checks (``ledger.signing_key``).
    """
    path = key_path(data_dir)
    key = generate()
    try:  # O_EXCL: of two processes racing, one writes and the other reads its key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem_of(key))
        handle.flush()
        os.fsync(handle.fileno())
    return key


def stored_pem(data_dir: Path) -> bytes | None:
    """The key file's PEM as it is (for ``phiward keys backup``), or None if there is none."""
    try:
        pem = (data_dir / KEY_FILE_NAME).read_bytes()
    except FileNotFoundError:
        return None
    key_from_pem(pem, str(data_dir / KEY_FILE_NAME))  # only ever hand out a real key
    return pem


def install_pem(data_dir: Path, pem: bytes) -> SigningKey:
    """Put a key (from ``phiward keys restore``) in place: checked, atomically, mode 0600."""
    path = data_dir / KEY_FILE_NAME
    key = key_from_pem(pem, str(path))
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return key


PENDING_FILE_NAME = KEY_FILE_NAME + ".pending"  # a new key waiting for its change to commit


def pending_path(data_dir: Path) -> Path:
    return data_dir / PENDING_FILE_NAME


def write_pending(data_dir: Path, pem: bytes) -> None:
    """The next key, durably, beside the key file (``ledger.new_signing_key``)."""
    fd = os.open(pending_path(data_dir), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())


def pending_key(data_dir: Path) -> SigningKey | None:
    """The key waiting in the pending file, or None (no file, or not a key)."""
    try:
        return _load(pending_path(data_dir))
    except (FileNotFoundError, ValueError):
        return None


def promote_pending(data_dir: Path) -> None:
    """Rename the pending key over the key file (atomic; the directory is synced)."""
    try:
        os.replace(pending_path(data_dir), key_path(data_dir))
    except FileNotFoundError:  # another process promoted it first
        return
    directory = os.open(data_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _load(path: Path) -> SigningKey:
    return key_from_pem(path.read_bytes(), str(path))


def key_from_pem(pem: bytes, source: str) -> SigningKey:
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{source} does not hold an Ed25519 key")
    return SigningKey(private)


@dataclass(frozen=True)
class SignedCheckpoint:
    """A tree head signed by the log's key."""

    tree_size: int
    root: bytes
    timestamp: dt.datetime
    key_id: str
    signature: bytes
    public_key: bytes
    origin: str = ORIGIN

    @property
    def body(self) -> bytes:
        return checkpoint_body(self.origin, self.tree_size, self.root, self.timestamp)

    def signature_valid(self, trusted_public_key: bytes | None = None) -> bool:
        """Whether the signature holds under ``trusted_public_key`` (default: the embedded key)."""
        public = trusted_public_key if trusted_public_key is not None else self.public_key
        if len(self.root) != HASH_SIZE or len(public) != 32:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(self.signature, self.body)
        except InvalidSignature:
            return False
        return True

    def as_json(self) -> dict[str, str | int]:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root.hex(),
            "timestamp": timestamp_text(self.timestamp),
            "key_id": self.key_id,
            "public_key": self.public_key.hex(),
            "signature": base64.b64encode(self.signature).decode("ascii"),
            "body": self.body.decode("utf-8"),
        }

    def export(self) -> str:
        return json.dumps(self.as_json(), indent=2) + "\n"


def checkpoint_body(origin: str, tree_size: int, root: bytes, timestamp: dt.datetime) -> bytes:
    lines = [
        origin,
        str(tree_size),
        base64.b64encode(root).decode("ascii"),
        timestamp_text(timestamp),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def sign_checkpoint(
    key: SigningKey, tree_size: int, root: bytes, timestamp: dt.datetime
) -> SignedCheckpoint:
    body = checkpoint_body(ORIGIN, tree_size, root, timestamp)
    return SignedCheckpoint(
        tree_size, root, timestamp, key.key_id, key.sign(body), key.public_bytes
    )


class CheckpointFormatError(ValueError):
    """An exported checkpoint file that cannot be read."""


def parse_checkpoint(text: str) -> SignedCheckpoint:
    """A checkpoint exported by ``SignedCheckpoint.export``."""
    try:
        data = json.loads(text)
        timestamp = dt.datetime.strptime(data["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
        return SignedCheckpoint(
            tree_size=int(data["tree_size"]),
            root=bytes.fromhex(data["root_hash"]),
            timestamp=timestamp.replace(tzinfo=dt.UTC),
            key_id=str(data["key_id"]),
            signature=base64.b64decode(data["signature"], validate=True),
            public_key=bytes.fromhex(data["public_key"]),
            origin=str(data.get("origin", ORIGIN)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointFormatError(f"not a phiward checkpoint file ({exc})") from exc
