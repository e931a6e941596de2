"""The register as CSV/JSON, and ``phiward report`` writing every report to a file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from django.contrib.auth.models import User

from phiward.audit.models import AuditEntry
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.reports import register
from phiward.reports.cli import report_group
from phiward.risk.analysis import start_analysis
from phiward.risk.register import add_risk

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(make_org: Callable[..., Organization], make_member: Callable[..., User]) -> Organization:
    org = make_org(slug="riverside", name="Riverside Clinic")
    officer = make_member(org, Role.SECURITY_OFFICER, username="sofia")
    analysis = start_analysis(org, officer, title="2026", method="five_level")
    add_risk(
        analysis,
        officer,
        title='=HYPERLINK("http://x") phishing of front desk',
        threat="phishing-credential-theft",
        vulnerability="untrained-workforce",
        likelihood=4,
        impact=4,
        residual_likelihood=2,
        residual_impact=3,
        owner=officer,
    )
    return org


def test_csv_has_header_levels_and_neutralised_formulas(org: Organization) -> None:
    reader = csv.DictReader(io.StringIO(register.render(org, "csv").decode()))
    rows = list(reader)
    assert reader.fieldnames == list(register.COLUMNS)
    assert len(rows) == 1
    row = rows[0]
    assert row["reference"] == "R-001"
    assert row["title"].startswith("'=HYPERLINK")
    assert (row["likelihood"], row["impact"], row["inherent_level"]) == ("High", "High", "High")
    assert row["residual_level"] == "Low"
    assert row["needs_reassessment"] == "no"


def test_json_keeps_lists_and_booleans(org: Organization) -> None:
    data = json.loads(register.render(org, "json"))
    assert data[0]["title"].startswith("=HYPERLINK")  # JSON is data, not a spreadsheet
    assert data[0]["assets"] == []
    assert data[0]["overdue"] is False


def run(*args: str) -> str:
    result = CliRunner().invoke(report_group, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_writes_each_report_and_audits_the_download(org: Organization, tmp_path: Path) -> None:
    pdf = tmp_path / "ra.pdf"
    run("risk-analysis", "--org", "riverside", "--version", "0", "--out", str(pdf))
    assert len(pdfium.PdfDocument(pdf.read_bytes())) >= 1
    html = tmp_path / "posture.html"
    run("posture", "--org", "riverside", "--format", "html", "--out", str(html))
    assert "HIPAA Security Rule safeguards" in html.read_text()
    package = tmp_path / "package.zip"
    run("evidence-package", "--org", "riverside", "--format", "zip", "--out", str(package))
    assert package.read_bytes().startswith(b"PK")
    printed = run("register", "--org", "riverside", "--format", "json")
    assert json.loads(printed)[0]["reference"] == "R-001"
    downloads = AuditEntry.objects.filter(action="download", object_type="report")
    names = sorted(downloads.values_list("object_id", flat=True))
    assert names[0].startswith("riverside-evidence-package-") and names[0].endswith(".zip")
    assert names[1:] == [
        "riverside-risk-analysis-draft.pdf",
        "riverside-risk-register.json",
        "riverside-safeguards-posture.html",
    ]


def test_cli_errors_name_the_problem(org: Organization, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        report_group,
        ["risk-analysis", "--org", "riverside", "--version", "9", "--out", str(tmp_path / "x")],
    )
    assert result.exit_code != 0
    assert "no version 9" in str(result.exception)
    assert not (tmp_path / "x").exists()
