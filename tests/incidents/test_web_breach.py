"""The breach pages: affected counts, the assessment form (determination with every step and
citation, obligations; invalid facts next to their fields), sign-off, recording a notice as
sent, the notice drafts with their element check, the annual HHS log and its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.evidence.models import EvidenceItem
from phiward.incidents import services
from phiward.incidents.models import (
    AffectedCount,
    BreachAssessment,
    Incident,
    Obligation,
    ObligationStatus,
)
from tests.conftest import client_for
from tests.incidents.conftest import facts

pytestmark = pytest.mark.django_db

ELEMENTS = [f"164.404(c)(1)({letter})" for letter in "ABCDE"]


def url(name: str, org: Organization, *args: object) -> str:
    return reverse(f"incidents:{name}", args=[org.slug, *args])


def html(response: Any) -> str:
    return unescape(str(response.content.decode()))


def field_block(page: str, name: str) -> str:
    """The HTML of one field of the assessment form (its label, input, help and errors)."""
    start = page.index(f'id="field-{name}"')
    end = page.find('<div class="field', start + 1)
    return page[start : end if end != -1 else None]


BREACH = {
    "entity__role": "covered_entity",
    "dates__occurred_on": "2026-03-03",
    "dates__discovered_on": "2026-03-05",
    "phi__involved": "true",
    "phi__permitted": "false",
    "phi__types": "full name\ndiagnosis",
    "safe_harbor__encryption__encrypted": "false",
    "individuals__total": "620",
    "individuals__by_state": "MA=520\nRI: 100",
}


def test_the_assessment_shows_every_step_with_its_citation_and_the_obligations(
    org: Organization, incident: Incident, officer_client: Client
) -> None:
    form = html(officer_client.get(url("assessment", org, incident.pk)))
    for legend in ("Protected health information", "safe harbor", "exception", "Risk assessment",
                   "Individuals affected", "Law enforcement"):  # fmt: skip
        assert legend in form
    answer = officer_client.post(url("assessment", org, incident.pk), BREACH)
    assert answer.status_code == 302 and answer["Location"] == url(
        "determination", org, incident.pk
    )
    assessment = BreachAssessment.objects.get(incident=incident)
    assert assessment.outcome == "breach" and not assessment.is_signed
    assert assessment.facts["individuals"]["by_state"] == {"MA": 520, "RI": 100}
    page = html(officer_client.get(url("determination", org, incident.pk)))
    steps = assessment.result["determination"]["steps"]
    assert steps
    for step in steps:
        assert step["citation"] in page and step["question"] in page
    assert "Not signed off" in page and 'id="sign-off"' in page
    # Before sign-off the page lists what would be required, with due dates.
    for obligation in assessment.result["obligations"]:
        assert f'data-key="{obligation["key"]}"' in page
    assert 'data-key="media:MA"' in page and 'data-key="media:RI"' not in page
    assert "2026-05-04" in page  # discovery + 60 days


def test_invalid_facts_come_back_next_to_their_fields(
    org: Organization, incident: Incident, officer_client: Client
) -> None:
    wrong = {**BREACH, "individuals__by_state": "MA=700", "dates__discovered_on": ""}
    answer = officer_client.post(url("assessment", org, incident.pk), wrong)
    assert answer.status_code == 200
    page = html(answer)
    assert 'id="form-has-errors"' in page
    assert "add up to more than total" in field_block(page, "individuals__by_state")
    assert "is required" in field_block(page, "dates__discovered_on")
    assert not BreachAssessment.objects.filter(incident=incident).exists()
    # What was typed stays in the form.
    assert "MA=700" in field_block(page, "individuals__by_state")


def test_a_false_exception_condition_is_named_on_its_field(
    org: Organization, incident: Incident, officer_client: Client
) -> None:
    claim = {
        **BREACH,
        "exception__claimed": "164.402(1)(iii)",
        "exception__explanation": "The letter came back unopened.",
        "exc_iii__good_faith_belief": "false",
    }
    page = html(officer_client.post(url("assessment", org, incident.pk), claim))
    assert "cannot apply" in field_block(page, "exc_iii__good_faith_belief")


def test_a_typo_in_the_state_counts_is_a_form_error(
    org: Organization, incident: Incident, officer_client: Client
) -> None:
    page = html(
        officer_client.post(
            url("assessment", org, incident.pk), {**BREACH, "individuals__by_state": "MA 5 20"}
        )
    )
    assert "line 1" in field_block(page, "individuals__by_state")
    unknown = html(
        officer_client.post(
            url("assessment", org, incident.pk), {**BREACH, "individuals__by_state": "XX=5"}
        )
    )
    assert "postal code" in field_block(unknown, "individuals__by_state")


def test_low_probability_with_the_four_factors(
    org: Organization, incident: Incident, officer_client: Client
) -> None:
    low = {**BREACH, "individuals__total": "1", "individuals__by_state": "MA=1"}
    for name in ("nature_and_extent", "unauthorized_person", "acquired_or_viewed", "mitigation"):
        low[f"risk_assessment__{name}__answer"] = "Assessed."
        low[f"risk_assessment__{name}__rating"] = "low"
    low["risk_assessment__conclusion"] = "low_probability"
    answer = officer_client.post(url("assessment", org, incident.pk), low)
    assert answer.status_code == 302, html(answer)
    assert BreachAssessment.objects.get(incident=incident).outcome == "low_probability"
    again = html(officer_client.get(url("assessment", org, incident.pk)))
    assert "Prefilled from assessment 1" in again and "Assessed." in again


def test_sign_off_records_who_and_when_and_creates_the_obligations(
    org: Organization, incident: Incident, officer: User, privacy: User
) -> None:
    services.assess(incident, facts(), officer)
    privacy_client = client_for(privacy)
    answer = privacy_client.post(url("sign-off", org, incident.pk), follow=True)
    page = html(answer)
    assessment = BreachAssessment.objects.get(incident=incident)
    assert assessment.signed_off_by == privacy and assessment.signed_off_at is not None
    assert "Signed off" in page and 'id="sign-off"' not in page
    assert Obligation.objects.filter(assessment=assessment, key="individuals").exists()
    detail = html(privacy_client.get(url("detail", org, incident.pk)))
    assert "Record as sent" in detail and 'id="obligations"' in detail
    again = privacy_client.post(url("sign-off", org, incident.pk), follow=True)
    assert "already signed off" in html(again)


def test_recording_a_notice_as_sent_closes_the_obligation(
    org: Organization, incident: Incident, officer: User, officer_client: Client
) -> None:
    signed = services.sign_off(services.assess(incident, facts(), officer), officer)
    obligation = Obligation.objects.get(assessment=signed, key="individuals")
    form = html(officer_client.get(url("sent", org, incident.pk), {"obligation": obligation.pk}))
    assert f'<option value="{obligation.pk}" selected>' in form
    bad = officer_client.post(
        url("sent", org, incident.pk),
        {"obligation": obligation.pk, "sent_on": "2099-01-01", "method": "first_class_mail"},
    )
    assert bad.status_code == 200 and "cannot be in the future" in html(bad)
    answer = officer_client.post(
        url("sent", org, incident.pk),
        {"obligation": obligation.pk, "sent_on": "2026-04-01", "method": "first_class_mail"},
    )
    assert answer.status_code == 302
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.DONE
    assert obligation.done_on == dt.date(2026, 4, 1)
    page = html(officer_client.get(url("detail", org, incident.pk)))
    assert "sent 2026-04-01 by First-class mail" in page
    hhs_log = Obligation.objects.get(assessment=signed, key="hhs-annual-log")
    officer_client.post(
        url("not-required", org, incident.pk),
        {"obligation": hhs_log.pk, "reason": "Reported with the large breach report."},
    )
    hhs_log.refresh_from_db()
    assert hhs_log.status == ObligationStatus.NOT_REQUIRED


def test_the_notice_drafts_check_every_element(
    org: Organization, incident: Incident, officer: User, officer_client: Client
) -> None:
    assert "no breach assessment yet" in html(officer_client.get(url("notices", org, incident.pk)))
    services.sign_off(services.assess(incident, facts(), officer), officer)
    empty = html(officer_client.get(url("notices", org, incident.pk)))
    assert 'id="missing-elements"' in empty and "missing" in empty
    officer_client.post(
        url("notice-text", org, incident.pk),
        {
            "what_happened": "A laptop was stolen from a staff member's car.",
            "phi_types": "full name\ndiagnosis",
            "steps_for_individuals": "Watch your statements for services you did not receive.",
            "what_we_are_doing": "We are encrypting every laptop and retraining staff.",
        },
    )
    officer_client.post(
        url("notice-settings", org), {"contact_toll_free": "1-800-555-0100", "contact_email": ""}
    )
    page = html(officer_client.get(url("notices", org, incident.pk)))
    assert 'id="missing-elements"' not in page
    letter = page[page.index('id="notice-individual"') :]
    letter = letter[: letter.index("</article>")]
    for element in ELEMENTS:
        assert f'data-element="{element}"' in letter
    assert "badge bad" not in letter and letter.count("present") >= len(ELEMENTS)
    assert "A laptop was stolen" in letter and "1-800-555-0100" in letter
    assert "incidents/print.css" in page and 'id="hhs-portal"' in page
    kept = officer_client.post(url("notice-keep", org, incident.pk), {"key": "individual"})
    assert kept.status_code == 302 and "evidence=" in kept["Location"]
    item = EvidenceItem.objects.get(organization=org)
    sent = html(officer_client.get(kept["Location"]))
    assert f'<option value="{item.pk}" selected>' in sent


def test_affected_counts_typed_and_uploaded(
    org: Organization, incident: Incident, officer_client: Client
) -> None:
    officer_client.post(url("affected", org, incident.pk), {"counts": "MA=520,2,0,12\nri=3"})
    counts = {c.state: c for c in AffectedCount.objects.filter(incident=incident)}
    assert counts["MA"].individuals == 520 and counts["MA"].insufficient_contact == 12
    assert counts["RI"].individuals == 3
    prefilled = html(officer_client.get(url("assessment", org, incident.pk)))
    assert 'value="523"' in field_block(prefilled, "individuals__total")
    upload = SimpleUploadedFile(
        "patients.csv", b"name,state,deceased,contact_ok\nJane Roe,NH,n,y\n", "text/csv"
    )
    officer_client.post(url("affected", org, incident.pk), {"counts": "", "upload": upload})
    assert list(
        AffectedCount.objects.filter(incident=incident).values_list("state", flat=True)
    ) == ["NH"]
    bad = SimpleUploadedFile("bad.csv", b"state,deceased,contact_ok\nZZ,n,y\n", "text/csv")
    page = html(officer_client.post(url("affected", org, incident.pk), {"upload": bad}))
    assert "bad.csv:2" in page and "postal code" in page


def test_the_annual_log_and_its_csv(
    org: Organization, incident: Incident, officer: User, officer_client: Client
) -> None:
    services.sign_off(services.assess(incident, facts(total=120), officer), officer)
    page = html(officer_client.get(url("hhs-log", org), {"year": "2026"}))
    assert incident.reference in page and "2027-03-01" in page
    download = officer_client.get(url("hhs-log-csv", org), {"year": "2026"})
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [r["reference"] for r in rows] == [incident.reference]
    assert rows[0]["individuals"] == "120"
    other_year = officer_client.get(url("hhs-log-csv", org), {"year": "2025"})
    assert len(other_year.content.decode().strip().splitlines()) == 1  # the header only


def test_auditors_read_the_breach_pages_without_forms(
    org: Organization, incident: Incident, officer: User, make_member: Callable[..., User]
) -> None:
    services.assess(incident, facts(), officer)
    auditor = client_for(make_member(org, Role.AUDITOR))
    for name in ("determination", "notices", "detail"):
        page = html(auditor.get(url(name, org, incident.pk)))
        assert '<form method="post"' not in page.split('<main id="main"')[1], name
    assert auditor.get(url("assessment", org, incident.pk)).status_code == 403
    assert auditor.post(url("sign-off", org, incident.pk)).status_code == 403
    assert auditor.get(url("hhs-log-csv", org)).status_code == 200
    worker = client_for(make_member(org, Role.WORKFORCE, username="w"))
    assert worker.get(url("determination", org, incident.pk)).status_code == 403
    assert worker.get(url("hhs-log", org)).status_code == 403


def test_media_and_substitute_notices_are_drafted_when_due(
    org: Organization, incident: Incident, officer: User, officer_client: Client
) -> None:
    officer_client.post(url("affected", org, incident.pk), {"counts": "MA=520,0,0,12\nRI=100"})
    document = facts(total=620, by_state={"MA": 520, "RI": 100})
    document["individuals"]["insufficient_contact"] = 12
    services.sign_off(services.assess(incident, document, officer), officer)
    page = html(officer_client.get(url("notices", org, incident.pk)))
    assert 'id="notice-individual"' in page
    assert 'id="notice-mediama"' in page and 'id="notice-mediari"' not in page
    assert 'id="notice-substitute_web"' in page
    assert 'data-field="individuals"' in page  # the HHS portal's fields


def test_the_incident_page_query_count_is_bounded(
    org: Organization,
    incident: Incident,
    officer: User,
    officer_client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    services.apply_playbook(incident, officer)
    for n in range(20):
        services.add_timeline_entry(incident, officer, kind="note", text_=f"Note {n}")
    for n in range(5):
        services.add_follow_up(incident, officer, title=f"Action {n}", owner=officer)
    services.sign_off(services.assess(incident, facts(), officer), officer)
    with django_assert_max_num_queries(20):
        page = officer_client.get(url("detail", org, incident.pk))
    assert page.status_code == 200 and "Note 19" in html(page)


def test_a_large_affected_list_stays_in_memory(
    org: Organization, incident: Incident, officer_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list over FILE_UPLOAD_MAX_MEMORY_SIZE (names beside the States) is never spooled to a
    plaintext temporary file: the route reads uploads in memory (phiward.incidents.uploads)."""
    from django.core.files import uploadedfile

    from phiward.incidents import uploads

    assert uploads.WEB_UPLOAD.fullmatch(url("affected", org, incident.pk))
    api = f"/api/organizations/{org.slug}/incidents/{incident.pk}/affected/list"
    assert uploads.API_UPLOAD.fullmatch(api)

    def no_temp_files(*args: object, **kwargs: object) -> None:
        raise AssertionError("an uploaded patient list was written to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", no_temp_files)
    row = b"Jane Q. Example-Patient of Somewhere,MA,n,y\n"
    body = b"name,state,deceased,contact_ok\n" + row * (6 * 1024 * 1024 // len(row))
    upload = SimpleUploadedFile("patients.csv", body, "text/csv")
    officer_client.post(url("affected", org, incident.pk), {"counts": "", "upload": upload})
    counts = AffectedCount.objects.get(incident=incident, state="MA")
    assert counts.individuals == body.count(b"\n") - 1
