"""The analysis wizard in the browser: start, questionnaire, proposals, approval, versions."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.models import (
    AnalysisVersion,
    ProposalStatus,
    QuestionAnswer,
    Risk,
    RiskAnalysis,
    RiskProposal,
)
from phiward.risk.scoring import METHODS, Method
from tests.conftest import client_for
from tests.risk.conftest import Clinic

pytestmark = pytest.mark.django_db

QUESTION = "SQ_164.308(a)(1).1.01"
STANDARD = "164.308(a)(1)"


def url(name: str, org: Organization, *args: object) -> str:
    return reverse(f"risk:{name}", args=[org.slug, *args])


def html(response: object) -> str:
    """The page's text with character references resolved (quotes, apostrophes)."""
    return unescape(response.content.decode())  # type: ignore[attr-defined]


def field_errors(page: str, field: str) -> str:
    """The HTML from the field's label to the next field: where its errors are shown."""
    start = page.index(f'name="{field}"')
    end = page.find('<div class="field', start)
    return page[start : end if end != -1 else None]


def test_start_shows_both_methods_scales_and_names_field_errors(
    clinic: Clinic, officer_client: Client
) -> None:
    org = clinic.org
    page = html(officer_client.get(url("analysis-start", org)))
    for method in Method:
        spec = METHODS[method]
        assert spec.likelihood[0].definition in page
        assert spec.impact[-1].definition in page
    bad = officer_client.post(
        url("analysis-start", org),
        {"title": "  ", "method": "three_level", "participants": "| Officer"},
    )
    assert bad.status_code == 200
    text = html(bad)
    assert "This field is required." in field_errors(text, "title")
    assert "Line 1: write 'name | role'." in field_errors(text, "participants")
    no_assets = officer_client.post(
        url("analysis-start", org), {"title": "Lab only", "method": "five_level"}
    )
    assert "list the assets in scope" in field_errors(html(no_assets), "assets")
    assert not RiskAnalysis.objects.exists()


def test_start_then_edit_an_analysis(clinic: Clinic, officer_client: Client) -> None:
    org = clinic.org
    done = officer_client.post(
        url("analysis-start", org),
        {
            "title": "2026 analysis",
            "method": "five_level",
            "scope_all_ephi": "on",
            "scope": "Main clinic",
            "participants": "Dana Lee | Security officer\nSam Roe",
            "started_on": "2026-01-05",
            "next_review_on": "2027-01-05",
        },
    )
    analysis = RiskAnalysis.objects.get(organization=org)
    assert done.status_code == 302
    assert done["Location"] == url("questionnaire", org, analysis.pk)
    assert analysis.method == "five_level"
    assert analysis.participants == [
        {"name": "Dana Lee", "role": "Security officer"},
        {"name": "Sam Roe", "role": ""},
    ]
    detail = html(officer_client.get(url("analysis-detail", org, analysis.pk)))
    assert "Dana Lee (Security officer); Sam Roe" in detail
    assert "Five levels (NIST SP 800-30 Rev. 1)" in detail
    edit = officer_client.post(
        url("analysis-edit", org, analysis.pk),
        {
            "title": "2026 analysis",
            "method": "five_level",
            "assets": [clinic.ehr.pk],
            "next_review_on": "2025-01-01",
        },
    )
    assert "The next review must come after the start." in field_errors(
        html(edit), "next_review_on"
    )
    officer_client.post(
        url("analysis-edit", org, analysis.pk),
        {"title": "EHR only", "method": "five_level", "assets": [clinic.ehr.pk]},
    )
    analysis.refresh_from_db()
    assert (analysis.title, analysis.scope_all_ephi) == ("EHR only", False)
    assert [link.asset for link in analysis.scope_links.all()] == [clinic.ehr]


def test_questionnaire_by_standard_without_javascript(
    analysis: RiskAnalysis, officer_client: Client
) -> None:
    org = analysis.organization
    overview = html(officer_client.get(url("questionnaire", org, analysis.pk)))
    assert "164.308(a)(1) Security management process" in overview
    assert "0 of 501 answered" in overview
    section = officer_client.get(url("questionnaire", org, analysis.pk), {"standard": STANDARD})
    assert "Identify all ePHI and Relevant Information Systems" in html(section)
    bad = officer_client.post(
        url("questionnaire", org, analysis.pk),
        {"standard": STANDARD, f"answer:{QUESTION}": "maybe", "answer:SQ_164.308(a)(1).1.02": "no"},
    )
    assert bad.status_code == 200
    assert "Answer one of: yes, partial, no, n/a, unknown." in html(bad)
    assert not QuestionAnswer.objects.exists()  # nothing half-saved
    done = officer_client.post(
        url("questionnaire", org, analysis.pk),
        {
            "standard": STANDARD,
            f"answer:{QUESTION}": "no",
            f"note:{QUESTION}": "No data map yet",
            "answer:SQ_164.308(a)(1).1.02": "",
        },
    )
    assert done.status_code == 302
    assert done["Location"].endswith("?standard=164.308%28a%29%282%29")  # the next standard
    (answer,) = QuestionAnswer.objects.all()
    assert (answer.question_id, answer.answer, answer.note) == (QUESTION, "no", "No data map yet")


def test_questionnaire_answer_saves_one_question_with_htmx(
    analysis: RiskAnalysis, officer_client: Client
) -> None:
    org = analysis.organization
    saved = officer_client.post(
        url("answer", org, analysis.pk),
        {"question_id": QUESTION, f"answer:{QUESTION}": "partial"},
        HTTP_HX_REQUEST="true",
    )
    fragment = html(saved)
    assert "<html" not in fragment and "Saved." in fragment
    assert '<option value="partial" selected>' in fragment
    assert QuestionAnswer.objects.get().answer == "partial"
    refused = officer_client.post(
        url("answer", org, analysis.pk),
        {"question_id": QUESTION, f"answer:{QUESTION}": "perhaps"},
        HTTP_HX_REQUEST="true",
    )
    assert "answer one of: yes, partial, no, n/a, unknown" in html(refused)
    assert QuestionAnswer.objects.get().answer == "partial"


def test_an_auditor_reads_the_questionnaire_but_cannot_answer(
    analysis: RiskAnalysis, make_member: Callable[..., User]
) -> None:
    org = analysis.organization
    auditor = client_for(make_member(org, Role.AUDITOR))
    page = html(auditor.get(url("questionnaire", org, analysis.pk), {"standard": STANDARD}))
    main = page[page.index("<main") :]
    assert "hx-post" not in main and 'name="answer:' not in main and "not answered" in main
    refused = auditor.post(url("answer", org, analysis.pk), {"question_id": QUESTION})
    assert refused.status_code == 403


def test_proposals_are_synchronized_accepted_and_dismissed(
    clinic: Clinic, analysis: RiskAnalysis, officer_client: Client, officer: User
) -> None:
    org = clinic.org
    synced = officer_client.post(url("proposal-sync", org, analysis.pk))
    assert synced.status_code == 302
    proposals = RiskProposal.objects.filter(analysis=analysis)
    assert proposals.count() > 3
    page = html(officer_client.get(synced["Location"]))
    laptops = proposals.get(rule="portable_device_unencrypted")
    assert laptops.reason in page
    # Accepting with edits: a rating off the scale is refused next to its field.
    form = url("proposal-accept", org, laptops.pk)
    assert "Lost or stolen device" in html(officer_client.get(form))
    bad = officer_client.post(
        form,
        {"title": "Laptops lost", "likelihood": "2", "impact": "2", "residual_likelihood": "3",
         "residual_impact": "1"},
    )  # fmt: skip
    assert "cannot exceed the inherent likelihood" in field_errors(html(bad), "residual_likelihood")
    assert not Risk.objects.exists()
    officer_client.post(
        form, {"title": "Laptops lost", "likelihood": "3", "impact": "2", "owner": officer.pk}
    )
    risk = Risk.objects.get()
    assert (risk.title, risk.inherent_level, risk.owner) == ("Laptops lost", "high", officer)
    laptops.refresh_from_db()
    assert laptops.status == ProposalStatus.ACCEPTED
    # Accepting as proposed (one button) and dismissing with a required reason.
    flow = proposals.get(rule="flow_unencrypted")
    officer_client.post(url("proposal-accept", org, flow.pk))
    assert Risk.objects.get(proposal=flow).likelihood is None
    vendor = proposals.get(rule="vendor_without_baa")
    missing = officer_client.post(url("proposal-dismiss", org, vendor.pk), {"reason": " "})
    assert "say why the proposal is dismissed" in field_errors(html(missing), "reason")
    officer_client.post(url("proposal-dismiss", org, vendor.pk), {"reason": "Paper only"})
    vendor.refresh_from_db()
    assert (vendor.status, vendor.dismiss_reason) == (ProposalStatus.DISMISSED, "Paper only")
    dismissed = html(
        officer_client.get(url("proposals", org, analysis.pk), {"status": "dismissed"})
    )
    assert "Paper only" in dismissed


def _decide(analysis: RiskAnalysis, client: Client) -> None:
    """Through the pages: accept every proposal with a rating."""
    org = analysis.organization
    client.post(url("proposal-sync", org, analysis.pk))
    for proposal in RiskProposal.objects.filter(analysis=analysis):
        client.post(url("proposal-accept", org, proposal.pk), {"likelihood": "2", "impact": "3"})


def test_the_wizard_walk_ends_in_an_approved_version(
    clinic: Clinic, officer_client: Client, make_member: Callable[..., User]
) -> None:
    org = clinic.org
    started = officer_client.post(
        url("analysis-start", org),
        {"title": "2026 analysis", "method": "three_level", "scope_all_ephi": "on"},
    )
    analysis = RiskAnalysis.objects.get(organization=org)
    questions = html(officer_client.get(started["Location"]))
    assert "0 of 501 answered" in questions
    # A "no" on the questionnaire proposes the vulnerabilities its key activity maps to.
    officer_client.post(
        url("answer", org, analysis.pk),
        {"question_id": QUESTION, f"answer:{QUESTION}": "no"},
        HTTP_HX_REQUEST="true",
    )
    approve = url("approve", org, analysis.pk)
    officer_client.post(url("proposal-sync", org, analysis.pk))
    assert RiskProposal.objects.filter(analysis=analysis, rule="questionnaire_gap").exists()
    blocked = html(officer_client.get(approve))
    assert "Not ready" in blocked and "is undecided: accept or dismiss it" in blocked
    refused = officer_client.post(approve, {"note": "too early"})
    assert refused.status_code == 200
    assert "is undecided" in html(refused)
    assert not AnalysisVersion.objects.exists()

    _decide(analysis, officer_client)
    privacy = client_for(make_member(org, Role.PRIVACY_OFFICER))
    assert privacy.post(approve, {"note": "mine"}).status_code == 403
    auditor = client_for(make_member(org, Role.AUDITOR))
    assert "Approve version 1" not in html(auditor.get(approve))
    ready = html(officer_client.get(approve))
    assert "Ready" in ready and "Approve version 1" in ready

    signed = officer_client.post(approve, {"note": "Reviewed with the practice manager"})
    version = AnalysisVersion.objects.get()
    assert signed.status_code == 302
    assert signed["Location"] == url("version-detail", org, version.pk)
    assert (version.number, version.note) == (1, "Reviewed with the practice manager")
    page = html(officer_client.get(signed["Location"]))
    assert "digest verified" in page and version.digest in page
    assert "R-001" in page

    # A change after approval shows in the diff since version 1, and on the overview.
    risk = Risk.objects.get(number=1)
    officer_client.post(url("risk-rate", org, risk.pk), {"likelihood": "3", "impact": "3"})
    diff = html(officer_client.get(url("diff", org, analysis.pk)))
    assert "From version 1 to now" in diff and "R-001" in diff and "inherent level" in diff
    overview = html(officer_client.get(url("overview", org)))
    assert "Changed since version 1" in overview and "1 changed;" in overview
    versions = html(officer_client.get(approve))
    assert "verified" in versions and "v1" in versions


def test_diff_between_two_versions_and_a_bad_version(
    clinic: Clinic, analysis: RiskAnalysis, officer_client: Client
) -> None:
    org = clinic.org
    _decide(analysis, officer_client)
    approve = url("approve", org, analysis.pk)
    officer_client.post(approve, {"note": "v1"})
    risk = Risk.objects.get(number=2)
    officer_client.post(
        url("risk-close", org, risk.pk), {"reason": "The flow was replaced by SFTP"}
    )
    officer_client.post(approve, {"note": "v2"})
    assert AnalysisVersion.objects.count() == 2
    diff = html(officer_client.get(url("diff", org, analysis.pk), {"from": "1", "to": "2"}))
    assert "From version 1 to version 2" in diff
    assert "The flow was replaced by SFTP" in diff
    missing = html(officer_client.get(url("diff", org, analysis.pk), {"from": "7"}))
    assert "There is no approved version '7'." in missing
