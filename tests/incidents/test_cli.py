"""`phiward incident list | show | report | status | hhs-log`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User

from phiward.audit.models import AuditEntry
from phiward.cli import main
from phiward.core.models import Organization
from phiward.incidents import services
from phiward.incidents.models import Incident
from tests.incidents.conftest import facts

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    capsys.readouterr()
    main(list(args))
    captured = capsys.readouterr()
    return captured.out, captured.err


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return int(str(exited.value.code)), capsys.readouterr().err.strip()


def test_report_list_show_and_status(
    org: Organization, officer: User, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = run(
        capsys, "incident", "report", "--org", org.slug, "--title", "Phishing wave",
        "--category", "phishing_account_compromise", "--reporter", officer.username, "--json",
    )  # fmt: skip
    created = json.loads(out)
    assert created["reference"] == "INC-0001" and created["status"] == "reported"
    assert Incident.objects.get().reported_by == officer
    out, _ = run(capsys, "incident", "list", "--org", org.slug, "--json")
    assert [row["reference"] for row in json.loads(out)] == ["INC-0001"]
    out, _ = run(capsys, "incident", "status", "INC-0001", "triage", "--org", org.slug)
    assert "is now triage" in out
    out, _ = run(capsys, "incident", "show", "INC-1", "--org", org.slug, "--json")
    shown = json.loads(out)
    assert shown["status"] == "triage" and len(shown["timeline"]) == 2
    out, _ = run(capsys, "incident", "list", "--org", org.slug, "--status", "closed", "--json")
    assert json.loads(out) == []


def test_errors_are_one_line(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = fails(capsys, "incident", "show", "INC-0099", "--org", org.slug)
    assert code == 3 and err == "phiward: error: no incident INC-0099 in clinic-a"
    run(capsys, "incident", "report", "--org", org.slug, "--title", "x")
    code, err = fails(capsys, "incident", "status", "1", "reported", "--org", org.slug)
    assert code == 2 and "status" in err


def test_anonymous_report_from_the_cli(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    before = AuditEntry.objects.count()
    run(capsys, "incident", "report", "--org", org.slug, "--title", "Snooping", "--anonymous")
    incident = Incident.objects.get()
    assert incident.anonymous and incident.reported_by is None
    new = AuditEntry.objects.order_by("seq")[before:]
    assert all(e.actor == "anonymous report" for e in new)


def test_hhs_log(org: Organization, officer: User, capsys: pytest.CaptureFixture[str]) -> None:
    incident = services.report(org, services.Report(title="Fax"), reporter=officer)
    document = facts(total=9, by_state={"MA": 9}, discovered=dt.date(2024, 12, 31))
    services.sign_off(services.assess(incident, document, officer), officer)
    out, _ = run(capsys, "incident", "hhs-log", "--org", org.slug, "--year", "2024", "--json")
    log = json.loads(out)
    assert log["submission_due"] == "2025-03-01" and log["entries"][0]["reference"] == "INC-0001"
    out, _ = run(capsys, "incident", "hhs-log", "--org", org.slug, "--year", "2024", "--csv")
    assert out.splitlines()[0].startswith("reference,") and "INC-0001" in out
    out, err = run(capsys, "incident", "hhs-log", "--org", org.slug, "--year", "2023")
    assert out == "" and "report to HHS by 2024-02-29" in err
