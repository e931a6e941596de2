"""Runtime environment: data directory and secret key, read from the environment.

Kept free of Django imports so the CLI can prepare the data directory before Django starts.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE_NAME = "secret_key"  # noqa: S105 - a file name, not a secret


def data_dir() -> Path:
    """The data directory (``PHIWARD_DATA_DIR``, default ``./var``), as an absolute path."""
    return Path(os.environ.get("PHIWARD_DATA_DIR", "var")).expanduser().resolve()


def ensure_data_dir(path: Path) -> Path:
    """Create the data directory with owner-only permissions if it does not exist."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret_key(path: Path) -> str:
    """``PHIWARD_SECRET_KEY`` if set, otherwise a key generated once into the data dir (0600)."""
    from_env = os.environ.get("PHIWARD_SECRET_KEY")
    if from_env:
        return from_env
    ensure_data_dir(path)
    key_file = path / SECRET_FILE_NAME
    try:
        return key_file.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(64)
    # O_EXCL: if two processes race, exactly one writes and the other reads its key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


def database_url(path: Path) -> str:
    """``PHIWARD_DATABASE_URL``, default a SQLite file in the data directory."""
    return os.environ.get("PHIWARD_DATABASE_URL") or f"sqlite:///{path / 'phiward.sqlite3'}"
