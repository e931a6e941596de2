"""``phiward catalog``: frameworks, list, show; errors as one line and an exit code."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from phiward.catalog.cli import catalog_group
from phiward.cli import main


def run(*args: str) -> str:
    result = CliRunner().invoke(catalog_group, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_list_json_has_every_entry_with_its_fields() -> None:
    rows = json.loads(run("list", "--json"))
    assert len(rows) == 68
    first = rows[0]
    assert {"id", "citation", "title", "kind", "family", "requirement", "ra"} <= set(first)
    assert (first["id"], first["kind"], first["ra"]) == ("164.308(a)(1)", "standard", "R")
    clearance = next(r for r in rows if r["id"] == "164.308(a)(3)(ii)(B)")
    assert (clearance["requirement"], clearance["ra"]) == ("addressable", "A")


def test_list_filters() -> None:
    addressable = json.loads(run("list", "--addressable", "--json"))
    assert len(addressable) == 22
    assert {r["ra"] for r in addressable} == {"A"}
    required = json.loads(run("list", "--required", "--family", "technical", "--json"))
    assert [r["id"] for r in required] == [
        "164.312(a)(1)",
        "164.312(a)(2)(i)",
        "164.312(a)(2)(ii)",
        "164.312(b)",
        "164.312(c)(1)",
        "164.312(d)",
        "164.312(e)(1)",
    ]
    assert json.loads(run("list", "-q", "burden of proof", "--framework", "hipaa-breach", "--json"))


def test_list_human_table() -> None:
    out = run("list", "--family", "physical")
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "R/A", "FAMILY", "TITLE"]
    assert "  164.310(a)(2)(i)" in out
    assert "Contingency operations" in out
    assert len(lines) == 1 + 12
    assert "PROPOSED, NOT FINAL" in run("list", "--framework", "nprm-2025")


def test_frameworks() -> None:
    rows = json.loads(run("frameworks", "--json"))
    assert [(r["id"], r["status"]) for r in rows] == [
        ("hipaa-security", "final"),
        ("hipaa-breach", "final"),
        ("nprm-2025", "proposed"),
    ]
    assert "hipaa-breach" in run("frameworks")


def test_show_human() -> None:
    out = run("show", "164.308-a-1")
    assert out.startswith("164.308(a)(1)  Security management process [Required]")
    assert "Regulation text:" in out
    assert "Key activities (NIST SP 800-66r2):" in out
    assert "164.308(a)(1)(ii)(A)  Risk analysis (R)" in out
    assert "SP 800-53  https://doi.org/10.6028/NIST.SP.800-53r5" in out
    quirky = run("show", "164.308(b)(3)")
    assert "NIST SP 800-66r2 cites it as: 164.308(b)(4)" in quirky


def test_show_json_finds_the_framework_itself() -> None:
    data = json.loads(run("show", "164.412(b)", "--json"))
    assert data["framework"] == "hipaa-breach"
    assert data["parent"] == "164.412"
    assert "30 days" in data["text"]
    spec = json.loads(run("show", "164.312(a)(2)(iv)", "--framework", "hipaa-security", "--json"))
    assert [ka["id"] for ka in spec["key_activities"]] == ["KA_164.312(a).8"]
    assert spec["key_activities"][0]["sample_questions"]


def test_unknown_id_is_one_line_and_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["catalog", "show", "164.999(z)"])
    assert exit_info.value.code == 3
    captured = capsys.readouterr()
    assert captured.err == "phiward: error: no catalog entry '164.999(z)'\n"
    with pytest.raises(SystemExit) as exit_info:
        main(["catalog", "show", "164.308-a-1", "--framework", "hipaa-breach"])
    assert exit_info.value.code == 3
    assert "in catalog framework 'hipaa-breach'" in capsys.readouterr().err
