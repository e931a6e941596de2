"""``phiward inventory export / import / list``, run through ``phiward.cli.main``."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from phiward.cli import main
from phiward.core.models import Organization
from phiward.inventory.models import Asset, Zone
from phiward.inventory.transfer.formats import Format
from phiward.inventory.transfer.service import export_inventory
from tests.inventory.test_transfer_service import build_clinic_inventory, counts


@pytest.fixture(autouse=True)
def _keep_umask() -> Iterator[None]:
    # main() sets a private umask for the real command; give the test process its own back.
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


@pytest.fixture
def clinic(make_org: Callable[..., Organization]) -> Organization:
    org = make_org("clinic", "Clinic")
    build_clinic_inventory(org)
    return org


def run(*argv: str) -> int:
    """Run the command; its exit status (0 when it returned normally)."""
    try:
        main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_export_yaml_to_stdout(clinic: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("inventory", "export", "--org", "clinic") == 0
    assert capsys.readouterr().out.encode() == export_inventory(clinic, Format.YAML)


def test_export_to_a_file_takes_the_format_from_its_name(
    clinic: Organization, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "inventory.json"
    assert run("inventory", "export", "--org", "clinic", "-o", str(target)) == 0
    assert json.loads(target.read_bytes())["phiward_inventory"] == 1
    archive = tmp_path / "inventory.zip"
    assert run("inventory", "export", "--format", "csv", "--output", str(archive)) == 0
    assert archive.read_bytes() == export_inventory(clinic, Format.CSV)
    assert f"wrote {archive}" in capsys.readouterr().err
    assert run("inventory", "export", "--output", str(tmp_path / "inventory.csv")) == 2
    assert "name the output .zip" in capsys.readouterr().err


def test_csv_export_to_stdout_only_when_it_is_not_a_terminal(
    clinic: Organization,
    capsysbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run("inventory", "export", "--format", "csv") == 0
    out = capsysbinary.readouterr().out
    names = zipfile.ZipFile(io.BytesIO(out)).namelist()
    assert names == ["zones.csv", "vendors.csv", "assets.csv", "data_flows.csv", "manifest.json"]
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert run("inventory", "export", "--format", "csv") == 2
    captured = capsysbinary.readouterr()
    assert captured.out == b""
    assert b"give --output FILE" in captured.err


def test_import_prints_a_summary(
    clinic: Organization,
    make_org: Callable[..., Organization],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = make_org("copy", "Copy")
    source = tmp_path / "clinic.yaml"
    source.write_bytes(export_inventory(clinic, Format.YAML))
    assert run("inventory", "import", str(source), "--org", "copy", "--dry-run") == 0
    assert capsys.readouterr().out.startswith("copy: dry run, nothing saved: zones 5 created")
    assert counts(copy) == (0, 0, 0, 0)
    assert run("inventory", "import", str(source), "--org", "copy", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True
    assert result["tables"]["assets"] == {"created": 22, "updated": 0, "unchanged": 0, "deleted": 0}
    assert counts(copy) == counts(clinic)


def test_import_problems_one_line_or_all_as_json(
    clinic: Organization, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "phiward_inventory: 1\nassets:\n- name: A\n  kind: toaster\n- name: B\n  kind: ehr\n"
        "  zone: Nowhere\n"
    )
    assert run("inventory", "import", str(bad), "--org", "clinic") == 2
    err = capsys.readouterr().err
    assert err.startswith("phiward: error: bad.yaml:4 field 'kind': not an allowed value")
    assert err.rstrip().endswith("(and 1 more)")
    assert len(err.strip().splitlines()) == 1

    assert run("inventory", "import", str(bad), "--org", "clinic", "--json") == 2
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    assert [(p["file"], p["row"], p["field"]) for p in result["problems"]] == [
        ("bad.yaml", 4, "kind"),
        ("bad.yaml", 7, "zone"),
    ]
    assert counts(clinic) == (5, 5, 22, 10)


def test_import_a_directory_of_tables_with_replace(
    clinic: Organization, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "zones.csv").write_text("name,kind\nClinical LAN,clinical\nDMZ,dmz\n")
    assert run("inventory", "import", str(tmp_path), "--org", "clinic", "--replace") == 0
    assert "zones 1 created, 1 updated, 0 unchanged, 4 deleted" in capsys.readouterr().out
    assert set(Zone.objects.filter(organization=clinic).values_list("name", flat=True)) == {
        "Clinical LAN",
        "DMZ",
    }


def test_list_assets(clinic: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("inventory", "list", "--kind", "medical_device", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == [
        "Infusion pump 1",
        "Infusion pump 2",
        "Infusion pump 3",
        "MRI scanner",
        "Ultrasound",
    ]
    assert rows[3]["zone"] == "Imaging VLAN"
    assert run("inventory", "list", "--org", "clinic") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == Asset.objects.filter(organization=clinic).count()
    assert lines[0].startswith("-Old kiosk")


def test_organization_must_be_named_when_there_are_several(
    clinic: Organization,
    make_org: Callable[..., Organization],
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_org("zeta", "Zeta")
    assert run("inventory", "list") == 2
    assert "--org is required; organizations: clinic, zeta" in capsys.readouterr().err
    assert run("inventory", "list", "--org", "nope") == 3
    assert "no organization 'nope'; organizations: clinic, zeta" in capsys.readouterr().err
