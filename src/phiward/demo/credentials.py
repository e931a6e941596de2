"""The one password of the demo accounts: generated once, kept in the data directory (0600)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from phiward.core.errors import PhiwardError
from phiward.core.setup import write_private_file

CREDENTIALS_FILE = "demo-credentials.json"
PASSWORD_ENV = "PHIWARD_DEMO_PASSWORD"  # noqa: S105 - the name of a variable, not a secret


def demo_password(data_dir: Path) -> tuple[str, Path | None]:
    """The demo password and the file that holds it (``None`` when it came from the env)."""
    from_env = os.environ.get(PASSWORD_ENV, "")
    if from_env:
        return from_env, None
    path = data_dir / CREDENTIALS_FILE
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        stored = None
    except (ValueError, OSError) as exc:
        raise PhiwardError(f"cannot read {path}; delete it to generate a new password") from exc
    if isinstance(stored, dict) and isinstance(stored.get("password"), str) and stored["password"]:
        return stored["password"], path
    password = secrets.token_urlsafe(12)
    write_private_file(
        path,
        json.dumps(
            {"password": password, "about": "Password of every phiward demo account."}, indent=2
        )
        + "\n",
    )
    return password, path
