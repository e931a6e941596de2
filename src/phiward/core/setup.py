"""Preparing an install: database schema and the first administrator (idempotent)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

CREDENTIALS_FILE = "admin-credentials.txt"


@dataclass(frozen=True)
class InitResult:
    data_dir: Path
    database: str
    admin_username: str
    admin_created: bool
    credentials_file: Path | None


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600, atomically and durably."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)


def initialize(admin_username: str = "admin", admin_password: str | None = None) -> InitResult:
    from phiward.crypto.service import ensure_key_ring

    migrate()
    ensure_key_ring()  # the field-encryption key ring (keyring.json, 0600) on first init
    data_dir = Path(settings.DATA_DIR)
    user_model = get_user_model()
    created = False
    credentials: Path | None = None
    with transaction.atomic():
        if not user_model.objects.filter(username=admin_username).exists():
            password = admin_password or secrets.token_urlsafe(15)
            user_model.objects.create_superuser(username=admin_username, password=password)
            created = True
            if admin_password is None:
                credentials = data_dir / CREDENTIALS_FILE
                write_private_file(
                    credentials, f"username: {admin_username}\npassword: {password}\n"
                )
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return InitResult(data_dir, engine, admin_username, created, credentials)
