"""Sealed files: any change, truncation, reordering or wrong key is refused."""

from __future__ import annotations

import io
import os
import struct

import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from phiward.backup import sealed
from phiward.backup.sealed import SealError, seal, unseal


class FixedKey:
    """A key source for tests: RFC 3394 key wrap under one fixed key."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key or os.urandom(32)

    def wrap(self, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        return "test-1", aes_key_wrap(self.key, data_key)

    def unwrap(self, version: str, wrapped: bytes, context: bytes) -> bytes:
        return aes_key_unwrap(self.key, wrapped)


def sealed_bytes(data: bytes, key: FixedKey) -> bytes:
    out = io.BytesIO()
    seal(io.BytesIO(data), out, key, context="test")
    return out.getvalue()


def opened(data: bytes, key: FixedKey) -> bytes:
    return b"".join(unseal(io.BytesIO(data), key))


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sealed, "CHUNK", 64)


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 640, 1000])
def test_round_trip(size: int) -> None:
    key = FixedKey()
    data = os.urandom(size)
    blob = sealed_bytes(data, key)
    assert size < 16 or data not in blob
    assert opened(blob, key) == data


def test_wrong_key_is_refused() -> None:
    blob = sealed_bytes(b"x" * 300, FixedKey())
    with pytest.raises(SealError, match="key cannot open"):
        opened(blob, FixedKey())


def test_every_flipped_bit_in_the_body_is_detected() -> None:
    key = FixedKey()
    blob = sealed_bytes(os.urandom(200), key)
    header_end = len(sealed.MAGIC) + 4 + struct.unpack(">I", blob[8:12])[0]
    for position in range(header_end, len(blob), 7):
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        with pytest.raises(SealError):
            opened(bytes(damaged), key)


def test_truncation_and_extra_data_are_detected() -> None:
    key = FixedKey()
    blob = sealed_bytes(os.urandom(300), key)
    chunk = 5 + 12 + 64 + 16
    for cut in (1, chunk, chunk + 5):
        with pytest.raises(SealError):
            opened(blob[:-cut], key)
    with pytest.raises(SealError, match="follows the last chunk"):
        opened(blob + b"\x00", key)


def test_chunks_cannot_be_reordered_or_dropped() -> None:
    key = FixedKey()
    blob = sealed_bytes(os.urandom(64 * 3), key)
    header_end = len(sealed.MAGIC) + 4 + struct.unpack(">I", blob[8:12])[0]
    size = 5 + 12 + 64 + 16
    first, second, rest = (
        blob[header_end : header_end + size],
        blob[header_end + size : header_end + 2 * size],
        blob[header_end + 2 * size :],
    )
    with pytest.raises(SealError):
        opened(blob[:header_end] + second + first + rest, key)
    with pytest.raises(SealError):
        opened(blob[:header_end] + first + rest, key)


def test_not_a_sealed_file() -> None:
    with pytest.raises(SealError, match="not a sealed"):
        opened(b"PK\x03\x04 a zip file", FixedKey())
