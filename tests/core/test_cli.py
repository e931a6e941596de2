"""`phiward init`, `phiward org` and the CLI's error contract."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from phiward.cli import main
from phiward.core.models import Membership, Organization


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PHIWARD_DATA_DIR": str(data_dir), "PHIWARD_DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "phiward.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.own_database
def test_init_creates_private_data_dir_and_is_idempotent(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = run(data_dir, "init", "--json")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["admin_created"] is True
    assert result["database"] == "sqlite3"
    for name in ("secret_key", "admin-credentials.txt", "phiward.sqlite3"):
        mode = stat.S_IMODE((data_dir / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    secret = (data_dir / "secret_key").read_text()
    credentials = (data_dir / "admin-credentials.txt").read_text()

    second = run(data_dir, "init", "--json")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["admin_created"] is False
    assert (data_dir / "secret_key").read_text() == secret
    assert (data_dir / "admin-credentials.txt").read_text() == credentials


@pytest.mark.own_database
def test_commands_before_init_fail_with_one_line(tmp_path: Path) -> None:
    result = run(tmp_path / "empty", "org", "list")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("phiward: error:") and "phiward init" in lines[0]


@pytest.mark.own_database
def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path / "data", "no-such-command")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("phiward: error:")


@pytest.mark.django_db
def test_org_create_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    User.objects.create_user(username="consultant", password="x")
    main(["org", "create", "lakeside-dental", "--name", "Lakeside Dental", "--owner", "consultant"])
    organization = Organization.objects.get(slug="lakeside-dental")
    assert Membership.objects.get(organization=organization).role == "owner"

    capsys.readouterr()
    main(["org", "list", "--json"])
    listed = json.loads(capsys.readouterr().out)
    assert [row["slug"] for row in listed] == ["lakeside-dental"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["org", "create", "Bad Slug", "--name", "X", "--owner", "consultant"], 2, "slug"),
        (["org", "create", "ok-slug", "--name", "X", "--owner", "nobody"], 3, "no user"),
    ],
)
def test_org_create_errors(
    args: list[str], code: int, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    User.objects.create_user(username="consultant", password="x")
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]
    assert not Organization.objects.exists()
