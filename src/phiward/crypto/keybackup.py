"""Key backups: the key ring sealed under a passphrase (scrypt, then AES-256-GCM).

The file is JSON: the scrypt parameters and salt, the nonce, and the sealed contents. The header
fields are the associated data, so changing the parameters or the format makes it not open.

The sealed contents are the key-ring document, with one optional extra member,
``audit_signing_key`` (the PEM of the audit log's Ed25519 key): a reader that does not know the
member ignores it, and a backup made before it existed simply has none.
Pure: no Django.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from phiward.crypto.envelope import CryptoError
from phiward.crypto.keys import KeyRing

BACKUP_FORMAT = "phiward-key-backup/1"
MIN_PASSPHRASE = 12


@dataclass(frozen=True)
class ScryptCost:
    """scrypt work factors; the default follows OWASP's password storage guidance."""

    n: int = 2**17
    r: int = 8
    p: int = 1


DEFAULT_COST = ScryptCost()


class BackupUnreadable(CryptoError):
    """Wrong passphrase, or not (or no longer) a phiward key backup."""


SIGNING_KEY_MEMBER = "audit_signing_key"


@dataclass(frozen=True)
class KeyBackup:
    """What a key backup holds: the key ring and, from newer backups, the audit signing key."""

    ring: KeyRing
    audit_signing_key: bytes | None = field(default=None, repr=False)  # PEM (PKCS#8)


def _derive(passphrase: str, salt: bytes, cost: ScryptCost) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=cost.n, r=cost.r, p=cost.p)
    return kdf.derive(passphrase.encode("utf-8"))


def _aad(header: dict[str, object]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal_backup(contents: KeyBackup, passphrase: str, cost: ScryptCost | None = None) -> bytes:
    cost = cost or DEFAULT_COST
    ring = contents.ring
    if len(passphrase) < MIN_PASSPHRASE:
        raise CryptoError(f"the backup passphrase must be at least {MIN_PASSPHRASE} characters")
    salt = os.urandom(16)
    nonce = os.urandom(12)
    header: dict[str, object] = {
        "format": BACKUP_FORMAT,
        "environment": ring.environment.value,
        "kdf": {"name": "scrypt", "n": cost.n, "r": cost.r, "p": cost.p},
        "salt": base64.b64encode(salt).decode("ascii"),
        "nonce": base64.b64encode(nonce).decode("ascii"),
    }
    key = _derive(passphrase, salt, cost)
    document_inside = json.loads(ring.to_json())
    if contents.audit_signing_key is not None:
        document_inside[SIGNING_KEY_MEMBER] = contents.audit_signing_key.decode("ascii")
    plain = json.dumps(document_inside, indent=2).encode("utf-8")
    sealed = AESGCM(key).encrypt(nonce, plain, _aad(header))
    document = {**header, "ciphertext": base64.b64encode(sealed).decode("ascii")}
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def open_backup(data: bytes, passphrase: str) -> KeyBackup:
    try:
        document = json.loads(data.decode("utf-8"))
        if document.get("format") != BACKUP_FORMAT:
            raise BackupUnreadable("this file is not a phiward key backup")
        kdf = document["kdf"]
        if kdf.get("name") != "scrypt":
            raise BackupUnreadable("this key backup uses an unknown key derivation")
        cost = ScryptCost(n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"]))
        header = {k: document[k] for k in ("format", "environment", "kdf", "salt", "nonce")}
        salt = base64.b64decode(document["salt"], validate=True)
        nonce = base64.b64decode(document["nonce"], validate=True)
        sealed = base64.b64decode(document["ciphertext"], validate=True)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise BackupUnreadable("this file is not a readable phiward key backup") from exc
    if cost.n > 2**20 or cost.r > 32 or cost.p > 16:
        raise BackupUnreadable("the key backup asks for an unreasonable scrypt cost")
    try:
        plain = AESGCM(_derive(passphrase, salt, cost)).decrypt(nonce, sealed, _aad(header))
    except InvalidTag as exc:
        raise BackupUnreadable("wrong passphrase, or the key backup was changed") from exc
    text = plain.decode("utf-8")
    ring = KeyRing.from_json(text, source="the key backup")
    signing_key = json.loads(text).get(SIGNING_KEY_MEMBER)
    if signing_key is not None and not isinstance(signing_key, str):
        raise BackupUnreadable("the audit signing key in the key backup is not PEM text")
    return KeyBackup(ring, signing_key.encode("ascii") if signing_key else None)
