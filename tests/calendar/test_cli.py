"""`phiward calendar list` and `phiward calendar ics`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from phiward.cli import main
from phiward.core.models import Organization
from phiward.core.permissions import Area
from tests.calendar.conftest import Fixed
from tests.calendar.icsparse import parse, unescape

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    main(list(args))
    return capsys.readouterr().out


@pytest.fixture
def deadlines(org: Organization, fixed: Fixed) -> Fixed:
    fixed.add(org, TODAY - dt.timedelta(days=4), "Late one", Area.RISK)
    fixed.add(org, TODAY + dt.timedelta(days=6), "Notify HHS", Area.INCIDENTS)
    fixed.add(org, TODAY + dt.timedelta(days=45), "Far one", Area.EVIDENCE)
    fixed.add(org, TODAY - dt.timedelta(days=1), "Finished", Area.RISK, done=True)
    return fixed


def test_list(org: Organization, deadlines: Fixed, capsys: pytest.CaptureFixture[str]) -> None:
    body = json.loads(run(capsys, "calendar", "list", "--org", org.slug, "--days", "30", "--json"))
    mine = [i for i in body["items"] if i["kind"] == "test"]
    assert [(i["title"], i["warning"], i["overdue"]) for i in mine] == [
        ("Late one", 0, True),
        ("Notify HHS", 7, False),
    ]
    text = run(capsys, "calendar", "list", "--org", org.slug, "--days", "60")
    assert "OVERDUE 4d" in text and "<= 7d" in text and "Far one" in text
    assert "Finished" not in text
    everything = run(capsys, "calendar", "list", "--org", org.slug, "--all")
    assert "done" in everything and "Finished" in everything


def test_ics_to_a_file(
    org: Organization, deadlines: Fixed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "deadlines.ics"
    run(
        capsys,
        "calendar",
        "ics",
        "--org",
        org.slug,
        "-o",
        str(target),
        "--base-url",
        "https://p.example",
    )
    cal = parse(target.read_bytes().decode("utf-8"))
    events = {unescape(e.get("SUMMARY")): e for e in cal.all("VEVENT")}
    assert {"Late one", "Notify HHS", "Far one", "Done: Finished"} <= set(events)
    assert events["Notify HHS"].get("URL") == f"https://p.example/o/{org.slug}/"
    stdout = run(capsys, "calendar", "ics", "--org", org.slug)
    assert stdout.startswith("BEGIN:VCALENDAR\r\n")
