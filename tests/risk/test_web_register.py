"""The register pages: the list (filters, htmx, query count), one risk, its forms, treatments
and tasks, and the overview with its pictures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk import services
from phiward.risk.changes import flag_risks
from phiward.risk.models import (
    ReassessmentSource,
    Risk,
    RiskAnalysis,
    RiskStatus,
    Strategy,
    Threat,
    Treatment,
    TreatmentTask,
    Vulnerability,
)
from phiward.safeguards import services as safeguards
from tests.conftest import client_for
from tests.risk.conftest import Clinic

pytestmark = pytest.mark.django_db


def url(name: str, org: Organization, *args: object) -> str:
    return reverse(f"risk:{name}", args=[org.slug, *args])


def html(response: Any) -> str:
    return unescape(response.content.decode())


def field_errors(page: str, field: str) -> str:
    start = page.index(f'name="{field}"')
    end = page.find('<div class="field', start)
    return page[start : end if end != -1 else None]


def catalog(org: Organization) -> tuple[Threat, Vulnerability]:
    if not Threat.objects.filter(organization=org).exists():
        services.ensure_catalog(org)
    return (
        Threat.objects.get(organization=org, key="ransomware"),
        Vulnerability.objects.get(organization=org, key="no-mfa"),
    )


def add(analysis: RiskAnalysis, officer: User, title: str, **fields: Any) -> Risk:
    threat, vulnerability = catalog(analysis.organization)
    return services.add_risk(
        analysis,
        officer,
        title=title,
        threat=fields.pop("threat", threat),
        vulnerability=vulnerability,
        **fields,
    )


# --- the list -----------------------------------------------------------------------------------


@pytest.fixture
def register(analysis: RiskAnalysis, officer: User) -> dict[str, Risk]:
    high = add(analysis, officer, "Stolen laptop", likelihood=3, impact=2, owner=officer)
    low = add(analysis, officer, "Phished clerk", likelihood=1, impact=1)
    unrated = add(analysis, officer, "Flooded basement", description="Server room below grade")
    closed = add(analysis, officer, "Old fax", likelihood=2, impact=2)
    services.close_risk(closed, officer, "Fax retired")
    flag_risks(analysis.organization, ReassessmentSource.MANUAL, "New laptops", risks=[high])
    return {"high": high, "low": low, "unrated": unrated, "closed": closed}


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({}, {"high", "low", "unrated", "closed"}),
        ({"status": "open"}, {"high", "low", "unrated"}),
        ({"level": "high"}, {"high"}),
        ({"level": "unrated"}, {"unrated"}),
        ({"reassess": "yes"}, {"high"}),
        ({"owner": "security_officer-clinic-a"}, {"high"}),
        ({"owner": "none", "status": "open"}, {"low", "unrated"}),
        ({"q": "below grade"}, {"unrated"}),
        ({"q": "R-002"}, {"low"}),
        ({"q": "r2"}, {"low"}),
        ({"level": "bogus"}, {"high", "low", "unrated", "closed"}),  # unknown values are ignored
    ],
)
def test_register_filters(
    officer_client: Client,
    org: Organization,
    register: dict[str, Risk],
    query: dict[str, str],
    shown: set[str],
) -> None:
    page = html(officer_client.get(url("register", org), query))
    found = {name for name, risk in register.items() if f">{risk.reference}</a>" in page}
    assert found == shown


def test_register_filters_by_threat_and_analysis(
    officer_client: Client, analysis: RiskAnalysis, officer: User
) -> None:
    org = analysis.organization
    catalog(org)
    theft = Threat.objects.get(organization=org, key="lost-stolen-device")
    one = add(analysis, officer, "Ransomware")
    two = add(analysis, officer, "Theft", threat=theft)
    other = services.start_analysis(org, officer, title="Lab analysis")
    three = add(other, officer, "Lab ransomware")
    page = html(officer_client.get(url("register", org), {"threat": "lost-stolen-device"}))
    assert f">{two.reference}<" in page and f">{one.reference}<" not in page
    page = html(officer_client.get(url("register", org), {"analysis": str(other.pk)}))
    assert f">{three.reference}<" in page and f">{one.reference}<" not in page


def test_htmx_filter_gets_only_the_table(
    officer_client: Client, org: Organization, register: dict[str, Risk]
) -> None:
    page = officer_client.get(url("register", org), {"status": "closed"}, HTTP_HX_REQUEST="true")
    text = html(page)
    assert "<html" not in text and "Old fax" in text and "Stolen laptop" not in text
    assert "HX-Request" in page["Vary"]


def test_register_pages_through_fifty_at_a_time(
    officer_client: Client, analysis: RiskAnalysis, officer: User
) -> None:
    for n in range(55):
        add(analysis, officer, f"Risk {n}")
    first = html(officer_client.get(url("register", analysis.organization)))
    assert "55 risks · page 1 of 2" in first and ">R-050<" in first and ">R-051<" not in first
    second = html(officer_client.get(url("register", analysis.organization), {"page": "2"}))
    assert ">R-055<" in second and ">R-001<" not in second


def test_register_query_count_is_flat(
    officer_client: Client,
    analysis: RiskAnalysis,
    officer: User,
    make_member: Callable[..., User],
    django_assert_max_num_queries: Any,
) -> None:
    org = analysis.organization
    people = [make_member(org, Role.PRIVACY_OFFICER, username=f"po{n}") for n in range(3)]
    for n in range(200):
        risk = add(analysis, officer, f"Risk {n}", likelihood=1 + n % 3, impact=2)
        risk.owner = people[n % 3]
        risk.save()
        if n % 4 == 0:
            services.add_treatment(
                risk,
                officer,
                strategy=Strategy.MITIGATE,
                description="Patch",
                owner=officer,
                due_on=dt.date(2020, 1, 1),
            )
    with django_assert_max_num_queries(16):
        page = officer_client.get(url("register", org), {"page": "3"})
    assert page.status_code == 200
    assert "1 overdue" in html(page)
    with django_assert_max_num_queries(16):
        assert officer_client.get(url("register", org), {"status": "open"}).status_code == 200


def test_auditors_see_the_downloads_but_no_edit_links(
    org: Organization, register: dict[str, Risk], make_member: Callable[..., User]
) -> None:
    auditor = client_for(make_member(org, Role.AUDITOR))
    page = html(auditor.get(url("register", org)))
    assert "?format=csv" in page and "?format=json" in page
    assert url("risk-create", org) not in page
    detail = html(auditor.get(url("risk-detail", org, register["high"].pk)))
    assert url("risk-rate", org, register["high"].pk) not in detail
    assert "Confirm the rating stands" not in detail
    workforce = client_for(make_member(org, Role.WORKFORCE))
    assert workforce.get(url("register", org)).status_code == 403


# --- one risk -----------------------------------------------------------------------------------


def test_detail_shows_ratings_by_name_reasons_treatments_and_safeguards(
    officer_client: Client, clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    org = clinic.org
    risk = add(
        analysis,
        officer,
        "Stolen laptop",
        likelihood=3,
        impact=2,
        residual_likelihood=2,
        residual_impact=2,
        assets=[clinic.lt01],
    )
    flag_risks(org, ReassessmentSource.INCIDENT, "A laptop was stolen in May", risks=[risk])
    treatment = services.add_treatment(
        risk,
        officer,
        strategy=Strategy.MITIGATE,
        description="Full-disk encryption",
        owner=officer,
        due_on=dt.date(2020, 1, 1),
        spec_ids=["164.312(a)(2)(iv)"],
    )
    services.add_task(treatment, officer, title="Encrypt LT01", due_on=dt.date(2020, 1, 1))
    safeguards.link_risk(org, "164.312(a)(2)(iv)", risk)
    page = html(officer_client.get(url("risk-detail", org, risk.pk)))
    assert "3 High" in page and "2 Medium" in page  # likelihood and impact by their names
    assert '<span class="badge bad">High</span>' in page  # inherent
    assert '<span class="badge warn">Medium</span>' in page  # residual
    assert "Incident: A laptop was stolen in May" in page
    assert "Full-disk encryption" in page and "164.312(a)(2)(iv)" in page
    assert "Encrypt LT01" in page and "overdue" in page
    assert reverse("safeguards:detail", args=[org.slug, "164.312-a-2-iv"]) in page
    assert "LT01" in page


def test_rate_form_names_the_field_and_resolves_reasons(
    officer_client: Client, analysis: RiskAnalysis, officer: User
) -> None:
    org = analysis.organization
    risk = add(analysis, officer, "Ransomware on the EHR", likelihood=2, impact=2)
    flag_risks(org, ReassessmentSource.MANUAL, "Backups failed", risks=[risk])
    form = html(officer_client.get(url("risk-rate", org, risk.pk)))
    assert "Backups failed" in form
    assert "Expected in the coming year or has happened" in form  # the scale's definitions
    missing = officer_client.post(url("risk-rate", org, risk.pk), {"likelihood": "3"})
    assert "This field is required." in field_errors(html(missing), "impact")
    bad = officer_client.post(
        url("risk-rate", org, risk.pk),
        {"likelihood": "2", "impact": "2", "residual_likelihood": "2", "residual_impact": "3"},
    )
    assert "cannot exceed the inherent impact" in field_errors(html(bad), "residual_impact")
    done = officer_client.post(
        url("risk-rate", org, risk.pk),
        {"likelihood": "3", "impact": "3", "current_controls": "Nightly backups"},
    )
    assert done.status_code == 302
    risk.refresh_from_db()
    assert (risk.inherent_level, risk.current_controls) == ("critical", "Nightly backups")
    assert not risk.needs_reassessment


def test_confirm_resolves_the_reasons(
    officer_client: Client, analysis: RiskAnalysis, officer: User
) -> None:
    org = analysis.organization
    unrated = add(analysis, officer, "Unrated")
    flag_risks(org, ReassessmentSource.MANUAL, "Check it", risks=[unrated])
    refused = officer_client.post(url("risk-confirm", org, unrated.pk), follow=True)
    assert "rate the risk instead" in html(refused)
    rated = add(analysis, officer, "Rated", likelihood=2, impact=2)
    flag_risks(org, ReassessmentSource.MANUAL, "Check it", risks=[rated])
    officer_client.post(url("risk-confirm", org, rated.pk), {"note": "Still right"})
    rated.refresh_from_db()
    assert not rated.needs_reassessment
    assert not rated.reassessments.filter(resolved_at=None).exists()


def test_add_edit_close_and_reopen_a_risk(
    officer_client: Client, clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    org = clinic.org
    threat, vulnerability = catalog(org)
    missing = officer_client.post(
        url("risk-create", org), {"analysis": analysis.pk, "title": "Phishing"}
    )
    text = html(missing)
    assert "This field is required." in field_errors(text, "threat")
    assert "This field is required." in field_errors(text, "vulnerability")
    created = officer_client.post(
        url("risk-create", org),
        {
            "analysis": analysis.pk,
            "title": "Phishing of the front desk",
            "threat": threat.pk,
            "vulnerability": vulnerability.pk,
            "assets": [clinic.ehr.pk],
            "vendor": clinic.collections.pk,
            "owner": officer.pk,
        },
    )
    risk = Risk.objects.get()
    assert created["Location"] == url("risk-rate", org, risk.pk)
    assert (risk.reference, risk.vendor, risk.owner) == ("R-001", clinic.collections, officer)
    assert [link.asset for link in risk.asset_links.all()] == [clinic.ehr]

    empty = officer_client.post(url("risk-edit", org, risk.pk), {"title": ""})
    assert "This field is required." in field_errors(html(empty), "title")
    officer_client.post(
        url("risk-edit", org, risk.pk), {"title": "Phishing", "assets": [clinic.lt01.pk]}
    )
    risk.refresh_from_db()
    assert risk.title == "Phishing" and risk.owner is None
    assert [link.asset for link in risk.asset_links.all()] == [clinic.lt01]

    no_reason = officer_client.post(url("risk-close", org, risk.pk), {"reason": ""})
    assert "say why the risk is closed" in field_errors(html(no_reason), "reason")
    officer_client.post(url("risk-close", org, risk.pk), {"reason": "Front desk moved to SSO"})
    risk.refresh_from_db()
    assert (risk.status, risk.close_reason) == (RiskStatus.CLOSED, "Front desk moved to SSO")
    again = officer_client.post(url("risk-close", org, risk.pk), {"reason": "twice"})
    assert "is already closed" in html(again)
    officer_client.post(url("risk-reopen", org, risk.pk), {"reason": "SSO rolled back"})
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OPEN and risk.needs_reassessment


def test_a_risk_of_another_organization_is_not_found(
    officer_client: Client, org: Organization, other_org: Organization, officer: User
) -> None:
    theirs = add(services.start_analysis(other_org, None, title="Theirs"), officer, "Theirs")
    assert officer_client.get(url("risk-detail", org, theirs.pk)).status_code == 404
    assert officer_client.get(url("risk-rate", org, theirs.pk)).status_code == 404


# --- treatments and tasks -----------------------------------------------------------------------


def test_treatment_forms_name_each_strategys_fields(
    officer_client: Client, analysis: RiskAnalysis, officer: User
) -> None:
    org = analysis.organization
    risk = add(analysis, officer, "Ransomware", likelihood=2, impact=3)
    new = url("treatment-create", org, risk.pk)
    mitigate = html(officer_client.post(new, {"strategy": "mitigate", "description": "Patch"}))
    assert "A mitigation needs an owner." in field_errors(mitigate, "owner")
    assert "A mitigation needs a due date." in field_errors(mitigate, "due_on")
    bad_spec = html(
        officer_client.post(
            new,
            {
                "strategy": "mitigate",
                "description": "Patch",
                "owner": officer.pk,
                "due_on": "2030-01-01",
                "spec_ids": "164.312(a)(2)(iv)\n999.1",
            },
        )
    )
    assert "not in the Security Rule catalog: 999.1" in field_errors(bad_spec, "spec_ids")
    transfer = html(officer_client.post(new, {"strategy": "transfer", "description": "Insure"}))
    assert "Name the insurer or vendor" in field_errors(transfer, "counterparty")
    assert not Treatment.objects.exists()
    officer_client.post(
        new,
        {
            "strategy": "mitigate",
            "description": "Patch the EHR",
            "status": "in_progress",
            "owner": officer.pk,
            "due_on": "2030-01-01",
            "spec_ids": "164.308(a)(5)(ii)(B), 164.312(a)(2)(iv)",
        },
    )
    treatment = Treatment.objects.get()
    assert treatment.spec_ids == ["164.308(a)(5)(ii)(B)", "164.312(a)(2)(iv)"]
    edit = url("treatment-edit", org, treatment.pk)
    assert "164.308(a)(5)(ii)(B)\n164.312(a)(2)(iv)" in html(officer_client.get(edit))
    officer_client.post(
        edit,
        {"strategy": "mitigate", "description": "Patch the EHR", "status": "done",
         "owner": officer.pk, "due_on": "2030-01-01"},
    )  # fmt: skip
    treatment.refresh_from_db()
    risk.refresh_from_db()
    assert treatment.status == "done" and treatment.spec_ids == []
    assert risk.needs_reassessment  # done: rate the residual risk again


def test_an_acceptance_is_approved_by_an_approver_only(
    officer_client: Client,
    analysis: RiskAnalysis,
    officer: User,
    make_member: Callable[..., User],
) -> None:
    org = analysis.organization
    risk = add(analysis, officer, "Legacy ultrasound", likelihood=2, impact=2)
    privacy = client_for(make_member(org, Role.PRIVACY_OFFICER))
    expiry = (timezone.localdate() + dt.timedelta(days=200)).isoformat()
    missing = html(
        privacy.post(
            url("treatment-create", org, risk.pk), {"strategy": "accept", "description": "Keep"}
        )
    )
    assert "Accepting a risk needs a justification." in field_errors(missing, "justification")
    assert "An acceptance needs an expiry date" in field_errors(missing, "expires_on")
    privacy.post(
        url("treatment-create", org, risk.pk),
        {"strategy": "accept", "description": "Keep it", "justification": "Vendor replaces it",
         "expires_on": expiry},
    )  # fmt: skip
    treatment = Treatment.objects.get()
    approve = url("treatment-approve", org, treatment.pk)
    as_privacy = html(privacy.get(url("risk-detail", org, risk.pk)))
    assert "awaiting approval" in as_privacy and approve not in as_privacy
    assert privacy.post(approve).status_code == 403
    treatment.refresh_from_db()
    assert treatment.approved_at is None
    assert approve in html(officer_client.get(url("risk-detail", org, risk.pk)))
    done = officer_client.post(approve)
    assert done.status_code == 302
    treatment.refresh_from_db()
    assert treatment.approved_by == officer and treatment.acceptance_effective()
    twice = officer_client.post(approve, follow=True)
    assert "approved already" in html(twice)


def test_tasks_are_added_and_completed(
    officer_client: Client, analysis: RiskAnalysis, officer: User
) -> None:
    org = analysis.organization
    risk = add(analysis, officer, "Ransomware", likelihood=2, impact=3)
    treatment = services.add_treatment(
        risk,
        officer,
        strategy="mitigate",
        description="EDR",
        owner=officer,
        due_on=dt.date(2030, 1, 1),
    )
    empty = html(officer_client.post(url("task-create", org, treatment.pk), {"title": " "}))
    assert "say what the task is" in field_errors(empty, "title")
    officer_client.post(
        url("task-create", org, treatment.pk),
        {"title": "Buy licences", "owner": officer.pk, "due_on": "2030-02-01"},
    )
    task = TreatmentTask.objects.get()
    assert (task.title, task.owner, task.due_on) == ("Buy licences", officer, dt.date(2030, 2, 1))
    officer_client.post(url("task-complete", org, task.pk))
    task.refresh_from_db()
    assert task.done_on == timezone.localdate()


# --- the overview -------------------------------------------------------------------------------


def test_overview_without_an_analysis_offers_to_start_one(
    officer_client: Client, org: Organization
) -> None:
    page = html(officer_client.get(url("overview", org)))
    assert "No risk analysis yet" in page and url("analysis-start", org) in page
    assert 'aria-current="page">Overview</a>' in page
    register = html(officer_client.get(url("register", org)))
    assert 'aria-current="page">Register</a>' in register


def test_overview_pictures_and_what_needs_attention(
    officer_client: Client, analysis: RiskAnalysis, officer: User
) -> None:
    org = analysis.organization
    high = add(analysis, officer, "Stolen laptop", likelihood=3, impact=3)
    add(analysis, officer, "Phished clerk", likelihood=1, impact=2)
    add(analysis, officer, "Unrated flood")
    services.add_treatment(
        high,
        officer,
        strategy="mitigate",
        description="Encrypt the laptops",
        owner=officer,
        due_on=dt.date(2020, 1, 1),
    )
    lapsed = services.add_treatment(
        high,
        officer,
        strategy="accept",
        description="Keep the old ones",
        justification="Few records",
        expires_on=dt.date(2021, 1, 1),
    )
    flag_risks(org, ReassessmentSource.INVENTORY, "Asset 'LT01': zone changed", risks=[high])
    page = html(officer_client.get(url("overview", org)))
    assert page.count("<svg") == 6  # two heat maps, the trend, three progress bars
    assert 'aria-label="Inherent"' in page and 'aria-label="Residual"' in page
    assert "Likelihood High, impact High: Critical — 1 risk" in page
    assert "Encrypt the laptops" in page and "due 2020-01-01" in page
    assert "expired 2021-01-01" in page and lapsed.risk.title in page
    assert "Inventory change: Asset 'LT01': zone changed" in page
    plan = page[page.index("Remediation plan: treat these first") :]
    assert plan.index("Stolen laptop") < plan.index("Phished clerk") < plan.index("Unrated")
    assert "<script" not in page[page.index("<main") :]


def test_overview_and_detail_queries_do_not_grow_with_the_register(
    officer_client: Client, analysis: RiskAnalysis, officer: User
) -> None:
    org = analysis.organization

    def grow(count: int) -> None:
        for n in range(count):
            risk = add(analysis, officer, f"Risk {n}", likelihood=1 + n % 3, impact=2)
            services.add_treatment(
                risk,
                officer,
                strategy="mitigate",
                description="Patch",
                owner=officer,
                due_on=dt.date(2020, 1, 1),
            )
            flag_risks(org, ReassessmentSource.MANUAL, f"Reason {n}", risks=[risk])

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert officer_client.get(path).status_code == 200
        return len(captured)

    grow(3)
    first = analysis.risks.order_by("number").first()
    assert first is not None
    pages = [url("overview", org), url("plan", org), url("risk-detail", org, first.pk)]
    small = [queries(path) for path in pages]
    grow(25)
    assert [queries(path) for path in pages] == small


def test_posts_need_the_csrf_token(analysis: RiskAnalysis, officer: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer)
    org = analysis.organization
    form = html(browser.get(url("risk-create", org)))
    assert 'name="csrfmiddlewaretoken"' in form
    refused = browser.post(url("proposal-sync", org, analysis.pk))
    assert refused.status_code == 403
    assert not analysis.proposals.exists()
