"""Envelope encryption of one field value: AES-256-GCM under a data key, bound to its place.

A sealed value is text, safe in any text column::

    pw1.<KEK version>.<base64url(wrapped data key)>.<base64url(nonce || ciphertext || tag)>

The header (the first three parts) is readable without any key: which key-encryption key (KEK)
version wrapped the data key (DEK), and the wrapped DEK itself. The version is what lets
rotation find the values still under an old version with a prefix query and ``phiward keys
status`` count them. Carrying the wrapped DEK makes every value self-contained: nothing else in
the database has to exist, or survive a rolled-back transaction, for it to open. The associated
data binds the ciphertext to the organization, table, column and record it belongs to and to
the header itself, so a value copied to another row, column or organization, or given a forged
header, does not open.

Pure: no Django; the key material comes from the caller.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from phiward.core.errors import PhiwardError

FORMAT = "pw1"
NONCE_BYTES = 12
KEY_BYTES = 32
_TOKEN = re.compile(r"^pw1\.([1-9][0-9]{0,8})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$")


class CryptoError(PhiwardError):
    """A key or ciphertext problem; messages never carry plaintext or key material."""

    exit_code = 7


class DecryptionFailed(CryptoError):
    """The ciphertext does not open here: wrong key, wrong place, or changed."""


class MalformedCiphertext(CryptoError):
    """The stored value is not a phiward ciphertext."""


@dataclass(frozen=True)
class Binding:
    """Where a value lives; part of the associated data of its ciphertext."""

    organization_id: int
    table: str
    column: str
    record: str  # the record's uid


def kid_of(wrapped: bytes) -> str:
    """A short name for a data key (in audit entries): a hash of its wrapped form."""
    return hashlib.sha256(wrapped).hexdigest()[:16]


@dataclass(frozen=True)
class Header:
    kek_version: int
    wrapped: bytes

    @property
    def kid(self) -> str:
        return kid_of(self.wrapped)

    @property
    def prefix(self) -> str:
        return f"{FORMAT}.{self.kek_version}.{_b64(self.wrapped)}."


@dataclass(frozen=True)
class DataKey:
    """A data key: its material and its form wrapped by KEK version ``kek_version``."""

    kek_version: int
    wrapped: bytes
    key: bytes = field(repr=False)

    @property
    def kid(self) -> str:
        return kid_of(self.wrapped)


def new_data_key_material() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedCiphertext("the stored value is not a phiward ciphertext") from exc


def version_prefix(kek_version: int) -> str:
    """The start of every ciphertext under ``kek_version`` (for prefix queries)."""
    return f"{FORMAT}.{kek_version}."


def is_sealed(value: str) -> bool:
    return value.startswith(f"{FORMAT}.")


def read_header(token: str) -> Header:
    match = _TOKEN.match(token)
    if match is None:
        raise MalformedCiphertext("the stored value is not a phiward ciphertext")
    return Header(kek_version=int(match.group(1)), wrapped=_unb64(match.group(2)))


def associated_data(binding: Binding, header: Header) -> bytes:
    parts = (
        FORMAT,
        f"org={binding.organization_id}",
        f"table={binding.table}",
        f"column={binding.column}",
        f"record={binding.record}",
        f"kek={header.kek_version}",
        f"dek={header.kid}",  # a hash of the wrapped data key
    )
    # Length-prefixed so no choice of names can make two bindings serialize alike.
    return b"".join(len(p.encode()).to_bytes(2, "big") + p.encode() for p in parts)


def seal(plaintext: str, key: DataKey, binding: Binding) -> str:
    header = Header(key.kek_version, key.wrapped)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key.key).encrypt(
        nonce, plaintext.encode("utf-8"), associated_data(binding, header)
    )
    return header.prefix + _b64(nonce + sealed)


def open_sealed(token: str, key: DataKey, binding: Binding) -> str:
    header = read_header(token)
    if (header.kek_version, header.wrapped) != (key.kek_version, key.wrapped):
        raise DecryptionFailed("the ciphertext names another data key")
    raw = _unb64(token.rsplit(".", 1)[1])
    if len(raw) < NONCE_BYTES + 16:
        raise MalformedCiphertext("the stored ciphertext is truncated")
    try:
        plain = AESGCM(key.key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data(binding, header)
        )
    except InvalidTag as exc:
        raise DecryptionFailed(
            f"ciphertext in {binding.table}.{binding.column} of record {binding.record} does "
            "not open: it was changed, or copied from another record, column or organization"
        ) from exc
    return plain.decode("utf-8")
