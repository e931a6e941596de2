"""`phiward breach assess FILE [--json]`: YAML or JSON in, the determination out; errors name
the file and the field and exit 2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from phiward.cli import main
from tests.breach.test_facts import document


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    main(list(args))
    return capsys.readouterr().out


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(str(exited.value.code)), captured.out, captured.err


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data))
    else:
        path.write_text(yaml.safe_dump(data))
    return path


def test_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """164.402(2), 164.404(b), 164.408(c): a presumed breach of 10 individuals."""
    path = write(tmp_path, "incident.yaml", document())
    out = run(capsys, "breach", "assess", str(path))
    assert out.startswith("Determination: Breach of unsecured PHI")
    assert "[45 CFR 164.402(2)]  <- decides" in out
    assert "Obligations" in out
    assert "2026-05-04  individuals" in out
    assert "45 CFR 164.408(c)" in out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "incident.json", document())
    data = json.loads(run(capsys, "breach", "assess", str(path), "--json"))
    assert data["determination"]["outcome"] == "breach"
    assert [o["key"] for o in data["obligations"]] == ["individuals", "hhs-annual-log"]
    assert data["facts"]["dates"]["discovered_on"] == "2026-03-05"
    assert data["engine_version"]


def test_stdin_and_content_sniffing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(document())))
    data = json.loads(run(capsys, "breach", "assess", "-", "--json"))
    assert data["determination"]["outcome"] == "breach"
    monkeypatch.setattr("sys.stdin", io.StringIO(yaml.safe_dump(document())))
    assert "Determination:" in run(capsys, "breach", "assess", "-")


def test_as_of_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "incident.yaml", document())
    data = json.loads(run(capsys, "breach", "assess", str(path), "--as-of", "2026-05-01", "--json"))
    assert data["as_of"] == "2026-05-01"
    assert data["obligations"][0]["days_remaining"] == 3
    out = run(capsys, "breach", "assess", str(path), "--as-of", "2026-05-10")
    assert "(6 days overdue)" in out


def test_no_obligations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        "laptop.yaml",
        document(safe_harbor={"destruction": {"destroyed": True, "method": "paper-shredded"}}),
    )
    out = run(capsys, "breach", "assess", str(path))
    assert "No notification (secured PHI)" in out
    assert "Obligations: none" in out


def test_every_problem_named_with_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = document(individuals={"total": 10, "by_state": {"MA": 11}}, risk={"x": 1})
    path = write(tmp_path, "bad.yaml", bad)
    code, out, err = fails(capsys, "breach", "assess", str(path))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert f"phiward: error: {path} field 'risk': unknown field" in lines[0]
    assert f"{path} field 'individuals.by_state'" in lines[1]
    assert len(lines) == 2


def test_problems_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "bad.json", document(phi={"involved": True}))
    code, out, _ = fails(capsys, "breach", "assess", str(path), "--json")
    assert code == 2
    data = json.loads(out)
    assert data["ok"] is False
    assert data["problems"] == [
        {
            "file": str(path),
            "row": None,
            "field": "phi.permitted",
            "message": "is required (true or false)",
        }
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "dup.yaml",
            "entity: {role: covered_entity}\nentity: {role: business_associate}\n",
            "given twice",
        ),
        ("dup.json", '{"entity": {}, "entity": {}}', "given twice"),
        ("broken.yaml", "entity: [unclosed\n", "not valid YAML"),
        ("broken.json", '{"entity": ', "not valid JSON"),
        ("list.yaml", "- entity\n", "must be a mapping"),
    ],
)
def test_unreadable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    code, _, err = fails(capsys, "breach", "assess", str(path))
    assert code == 2
    assert str(path) in err and message in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = fails(capsys, "breach", "assess", str(tmp_path / "nope.yaml"))
    assert code != 0
    assert "nope.yaml" in err
