"""Report downloads from the web page and the API: attachments, formats, audit, tenancy."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from phiward.audit.models import AuditEntry
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.analysis import start_analysis
from phiward.risk.models import RiskAnalysis
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(
    make_org: Callable[..., Organization], make_member: Callable[..., User]
) -> tuple[Organization, User, RiskAnalysis]:
    org = make_org(slug="riverside", name="Riverside Clinic")
    auditor = make_member(org, Role.AUDITOR, username="aud")
    analysis = start_analysis(org, None, title="Annual 2026", scope_text="Everything.")
    return org, auditor, analysis


def test_page_lists_the_analysis_and_every_report(
    setup: tuple[Organization, User, RiskAnalysis],
) -> None:
    org, auditor, _ = setup
    page = client_for(auditor).get(f"/o/{org.slug}/reports/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Annual 2026" in text and "Draft as it stands now" in text
    for name in ("posture", "register", "oscal/ssp", "oscal/assessment-results"):
        assert f"/o/{org.slug}/reports/{name}/" in text


def test_web_pdf_download_is_an_attachment_and_audited(
    setup: tuple[Organization, User, RiskAnalysis],
) -> None:
    org, auditor, analysis = setup
    answer = client_for(auditor).get(
        f"/o/{org.slug}/reports/risk-analysis/",
        {"analysis": analysis.pk, "version": 0, "format": "pdf"},
    )
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"] == (
        'attachment; filename="riverside-risk-analysis-draft.pdf"'
    )
    assert answer.content.startswith(b"%PDF")
    entry = AuditEntry.objects.get(action="download", object_type="report")
    assert entry.actor == "aud" and entry.organization_id == org.pk


def test_web_bad_parameters_are_a_400_naming_them(
    setup: tuple[Organization, User, RiskAnalysis],
) -> None:
    org, auditor, _ = setup
    client = client_for(auditor)
    answer = client.get(f"/o/{org.slug}/reports/register/", {"format": "xlsx"})
    assert answer.status_code == 400 and b"format" in answer.content
    assert client.get(f"/o/{org.slug}/reports/risk-analysis/", {"version": "x"}).status_code == 400
    assert client.get(f"/o/{org.slug}/reports/oscal/catalog/").status_code == 400


def test_api_downloads(setup: tuple[Organization, User, RiskAnalysis]) -> None:
    org, auditor, analysis = setup
    client = client_for(auditor)
    base = f"/api/organizations/{org.slug}/reports"
    html = client.get(f"{base}/risk-analysis/{analysis.pk}", {"version": 0})
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert b"Everything." in html.content
    csv = client.get(f"{base}/register", {"format": "csv"})
    assert csv.content.startswith(b"reference,title")
    ssp = client.get(f"{base}/oscal/ssp")
    assert ssp.json()["system-security-plan"]["system-characteristics"]["system-name"] == (
        "Riverside Clinic"
    )
    missing = client.get(f"{base}/risk-analysis/{analysis.pk}", {"version": 3})
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_other_organizations_analysis_is_not_found(
    setup: tuple[Organization, User, RiskAnalysis],
    make_org: Callable[..., Organization],
) -> None:
    org, auditor, _ = setup
    other = make_org(slug="elsewhere", name="Elsewhere")
    foreign = start_analysis(other, None, title="Theirs")
    answer = client_for(auditor).get(
        f"/api/organizations/{org.slug}/reports/risk-analysis/{foreign.pk}"
    )
    assert answer.status_code == 404
