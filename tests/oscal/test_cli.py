"""``phiward oscal``: export to files, import back, list and show; errors as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from trestle.oscal.catalog import Catalog
from trestle.oscal.profile import Profile

from phiward.oscal.cli import oscal_group

pytestmark = pytest.mark.django_db


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(oscal_group, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def test_export_catalog_and_profile_then_import_the_profile(tmp_path: Path) -> None:
    catalog_file = tmp_path / "phiward-hipaa-security-catalog.json"
    run("export", "catalog", "--out", str(catalog_file))
    Catalog.model_validate(json.loads(catalog_file.read_text())["catalog"])
    profile_file = tmp_path / "profile.json"
    run("export", "profile", "--out", str(profile_file))
    Profile.model_validate(json.loads(profile_file.read_text())["profile"])
    summary = json.loads(run("import", str(profile_file), "--id", "hipaa-all", "--json"))
    assert summary["kind"] == "profile" and summary["controls"] == 68
    listed = json.loads(run("frameworks", "--json"))
    assert [row["id"] for row in listed] == ["hipaa-all"]
    shown = json.loads(run("show", "hipaa-all", "--json"))
    assert shown["controls"][0]["id"] == "hipaa-164.308-a-1"
    run("remove", "hipaa-all")
    assert json.loads(run("frameworks", "--json")) == []


def test_export_prints_to_stdout_by_default() -> None:
    document = json.loads(run("export", "catalog", "--framework", "hipaa-breach"))
    assert document["catalog"]["metadata"]["oscal-version"] == "1.1.2"


def test_import_of_a_bad_file_fails_and_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"catalog": {"uuid": "x"}}')
    result = CliRunner().invoke(oscal_group, ["import", str(bad)])
    assert result.exit_code != 0
    assert "bad.json" in str(result.exception)
