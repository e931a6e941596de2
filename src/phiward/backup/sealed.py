"""Encrypted files: AES-256-GCM in chunks under a data key wrapped by the key-encryption key.

Pure (no Django). Format, all integers big-endian:

    magic "PWSEAL1\\n" | header length (4) | header JSON | chunk*
    chunk = flag (1: 0 more, 1 last) | length (4) | nonce (12) | ciphertext+tag

The header names the key version and carries the wrapped data key and the caller's context
(e.g. "phiward backup"). Each chunk's associated data is SHA-256(header) | chunk index | flag,
so chunks cannot be reordered, dropped, duplicated or truncated (the last chunk is marked).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"PWSEAL1\n"
CHUNK = 4 * 1024 * 1024


class SealError(Exception):
    """The file is not a sealed file, was changed, or the key cannot open it."""


class KeyWrapper(Protocol):
    """What a key source must offer: wrap and unwrap a data key, bound to a context."""

    def wrap(self, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        """Return (key version, wrapped key)."""
        ...

    def unwrap(self, version: str, wrapped: bytes, context: bytes) -> bytes: ...


@dataclass(frozen=True)
class Header:
    version: str
    wrapped_key: bytes
    context: str

    def encode(self) -> bytes:
        return json.dumps(
            {
                "context": self.context,
                "key_version": self.version,
                "wrapped_key": self.wrapped_key.hex(),
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()


def seal(source: BinaryIO, target: BinaryIO, wrapper: KeyWrapper, *, context: str) -> None:
    data_key = AESGCM.generate_key(bit_length=256)
    version, wrapped = wrapper.wrap(data_key, context.encode())
    header = Header(version, wrapped, context).encode()
    target.write(MAGIC + struct.pack(">I", len(header)) + header)
    header_hash = hashlib.sha256(header).digest()
    aead = AESGCM(data_key)
    index = 0
    block = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, block, _chunk_aad(header_hash, index, last))
        target.write(struct.pack(">BI", int(last), len(sealed)) + nonce + sealed)
        if last:
            return
        block, index = following, index + 1


def _read_header(source: BinaryIO) -> tuple[Header, bytes]:
    if source.read(len(MAGIC)) != MAGIC:
        raise SealError("not a sealed phiward file")
    (length,) = _unpack(">I", source.read(4))
    header = source.read(length)
    try:
        fields = json.loads(header)
        version, wrapped = str(fields["key_version"]), bytes.fromhex(fields["wrapped_key"])
        context = str(fields["context"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SealError("the header of the sealed file is damaged") from exc
    return Header(version, wrapped, context), header


def read_header(source: BinaryIO) -> Header:
    """The header of a sealed file (which key version it needs), without any key."""
    return _read_header(source)[0]


def unseal(source: BinaryIO, wrapper: KeyWrapper) -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk; raises SealError on any tampering or a wrong key."""
    fields, header = _read_header(source)
    version, wrapped, context = fields.version, fields.wrapped_key, fields.context
    try:
        data_key = wrapper.unwrap(version, wrapped, context.encode())
    except Exception as exc:  # a key source's own error: report it as data, not a crash
        raise SealError(f"the key cannot open this file ({type(exc).__name__})") from exc
    aead = AESGCM(data_key)
    header_hash = hashlib.sha256(header).digest()
    index = 0
    while True:
        prefix = source.read(5)
        if len(prefix) < 5:
            raise SealError("the sealed file is truncated")
        last, size = _unpack(">BI", prefix)
        nonce, sealed = source.read(12), source.read(size)
        if len(sealed) != size:
            raise SealError("the sealed file is truncated")
        try:
            yield aead.decrypt(nonce, sealed, _chunk_aad(header_hash, index, bool(last)))
        except InvalidTag as exc:
            raise SealError(f"chunk {index} of the sealed file was changed") from exc
        if last:
            if source.read(1):
                raise SealError("data follows the last chunk of the sealed file")
            return
        index += 1


def _chunk_aad(header_hash: bytes, index: int, last: bool) -> bytes:
    return header_hash + struct.pack(">QB", index, int(last))


def _unpack(fmt: str, data: bytes) -> tuple[int, ...]:
    try:
        return struct.unpack(fmt, data)
    except struct.error as exc:
        raise SealError("the sealed file is truncated") from exc
