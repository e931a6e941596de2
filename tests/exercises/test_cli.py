"""`phiward exercise list|add|due|major-change` and `phiward irplan list|show`."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User

from phiward.cli import main
from phiward.core.models import Organization
from phiward.exercises.models import Exercise
from tests.exercises.sample import build_exercises

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    main(list(args))
    return capsys.readouterr().out


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return int(str(exited.value.code)), capsys.readouterr().err.strip()


def test_add_list_due(org: Organization, officer: User, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(
        capsys,
        "exercise", "add", "--org", org.slug, "--kind", "drill", "--title", "Restore drill",
        "--date", "2026-10-01", "--duration", "60", "--participant", officer.username,
        "--external", "MSP", "--contain", "25", "--findings", "Slow restore", "--json",
    )  # fmt: skip
    row = json.loads(out)
    assert (row["kind"], row["minutes_to_contain"], row["participants"]) == (
        "drill",
        25,
        [officer.username],
    )
    listing = json.loads(run(capsys, "exercise", "list", "--org", org.slug, "--json"))
    assert [r["title"] for r in listing] == ["Restore drill"]
    assert "Restore drill" in run(capsys, "exercise", "list", "--org", org.slug)
    due = json.loads(run(capsys, "exercise", "due", "--org", org.slug, "--json"))
    assert {d["kind"]: d["last_on"] for d in due}["drill"] == "2026-10-01"
    text = run(capsys, "exercise", "due", "--org", org.slug)
    assert "Technical drill" in text and "DUE NOW" in text


def test_errors_are_one_line(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = fails(
        capsys, "exercise", "add", "--org", org.slug, "--title", "x", "--participant", "ghost"
    )
    assert code == 2 and err.startswith("phiward: error:") and "ghost" in err
    assert Exercise.objects.count() == 0
    code, err = fails(capsys, "irplan", "show", "--org", org.slug)
    assert code == 3 and "no approved IR plan" in err


def test_major_change(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    run(
        capsys,
        "exercise",
        "major-change",
        "--org",
        org.slug,
        "--description",
        "New EHR",
        "--date",
        "2026-01-02",
    )
    due = json.loads(run(capsys, "exercise", "due", "--org", org.slug, "--json"))
    assert due[2]["major_change_on"] == "2026-01-02" and due[2]["overdue"]


def test_irplan_list_and_show(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    build_exercises(org)
    rows = json.loads(run(capsys, "irplan", "list", "--org", org.slug, "--json"))
    assert [(r["number"], r["status"], r["current"]) for r in rows] == [
        (2, "draft", False),
        (1, "approved", True),
    ]
    assert rows[0]["source_exercise"].startswith("X-")
    current = json.loads(run(capsys, "irplan", "show", "--org", org.slug, "--json"))
    assert current["number"] == 1 and "# Incident response plan" in current["body"]
    text = run(capsys, "irplan", "show", "--org", org.slug, "--version", "2")
    assert "v2 (draft)" in text
    assert "(current)" in run(capsys, "irplan", "list", "--org", org.slug)
