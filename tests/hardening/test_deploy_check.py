"""`django-admin check --deploy` is clean in production settings, and not by accident.

Production means: behind a TLS proxy (``PHIWARD_BEHIND_TLS_PROXY``), a long random secret key
from the environment, debug off. The same check without the TLS proxy must name the settings
that only TLS makes safe, which shows the clean result comes from the settings, not from a
check that does not run.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_database  # phiward runs in subprocesses with a database of its own

DJANGO_ADMIN = [sys.executable, "-m", "django"]


def _check_deploy(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PHIWARD_") or key == "PHIWARD_DATABASE_URL"
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="phiward.config.settings",
        PHIWARD_DATA_DIR=str(data_dir),
        PHIWARD_DEBUG="0",
        **env,
    )
    return subprocess.run(
        [*DJANGO_ADMIN, "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("preload", ["", "1"])
def test_deploy_check_is_clean_in_production_settings(tmp_path: Path, preload: str) -> None:
    result = _check_deploy(
        tmp_path,
        PHIWARD_BEHIND_TLS_PROXY="1",
        PHIWARD_SECRET_KEY=secrets.token_urlsafe(64),
        PHIWARD_HSTS_PRELOAD=preload,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_names_what_plain_http_leaves_open(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path, PHIWARD_BEHIND_TLS_PROXY="")
    assert result.returncode != 0
    found = set(re.findall(r"security\.W\d+", result.stdout + result.stderr))
    # No HSTS, no HTTPS redirect, cookies without Secure.
    assert {"security.W004", "security.W008", "security.W012", "security.W016"} <= found
