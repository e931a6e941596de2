"""Key backups: the key ring sealed under a passphrase (scrypt, then AES-256-GCM).

The file is JSON: the scrypt parameters and salt, the nonce, and the sealed ring. The header
fields are the associated data, so changing the parameters or the format makes it not open.
Pure: no Django.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass

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


def _derive(passphrase: str, salt: bytes, cost: ScryptCost) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=cost.n, r=cost.r, p=cost.p)
    return kdf.derive(passphrase.encode("utf-8"))


def _aad(header: dict[str, object]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal_backup(ring: KeyRing, passphrase: str, cost: ScryptCost | None = None) -> bytes:
    cost = cost or DEFAULT_COST
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
    sealed = AESGCM(key).encrypt(nonce, ring.to_json().encode("utf-8"), _aad(header))
    document = {**header, "ciphertext": base64.b64encode(sealed).decode("ascii")}
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def open_backup(data: bytes, passphrase: str) -> KeyRing:
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
    return KeyRing.from_json(plain.decode("utf-8"), source="the key backup")
