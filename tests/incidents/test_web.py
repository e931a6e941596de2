"""The incident pages: reporting (as the workforce, anonymously), the list (filters, counts,
query budget), one incident (triage, status, timeline, playbook checklist, review), and what
auditors and the workforce may see."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from phiward.audit.models import AuditEntry
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.evidence import library
from phiward.incidents import services
from phiward.incidents.models import (
    FollowUpAction,
    Incident,
    IncidentStep,
    Review,
    Status,
    TimelineEntry,
    TimelineKind,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def url(name: str, org: Organization, *args: object) -> str:
    return reverse(f"incidents:{name}", args=[org.slug, *args])


def html(response: Any) -> str:
    return unescape(str(response.content.decode()))


REPORT = {
    "title": "Clicked a link in a strange e-mail",
    "description": "It asked for my password and I typed it.",
    "category": "phishing_account_compromise",
    "occurred_at": "2026-01-10T09:30",
    "discovered_at": "2026-01-10T10:00",
    "phi_involved": "unknown",
    "systems_text": "front-desk PC",
    "reporter_contact": "",
}


# --- reporting ----------------------------------------------------------------------------------


def test_workforce_reports_and_gets_a_reference_but_cannot_open_it(
    org: Organization, worker: User
) -> None:
    client = client_for(worker)
    form = html(client.get(url("report", org)))
    assert "Nobody is blamed" in form
    assert 'name="anonymous"' in form and "Report anonymously" in form
    assert 'name="assets"' not in form  # the inventory is not theirs to browse
    answer = client.post(url("report", org), REPORT)
    assert answer.status_code == 200
    page = html(answer)
    incident = Incident.objects.get(organization=org)
    assert incident.reference in page and "Thank you" in page
    assert incident.reported_by == worker and not incident.anonymous
    assert "front-desk PC" in incident.description
    assert incident.occurred_at is not None and incident.occurred_at.hour == 9
    assert url("detail", org, incident.pk) not in page
    assert client.get(url("detail", org, incident.pk)).status_code == 403
    assert client.get(url("list", org)).status_code == 403


def test_an_anonymous_report_stores_nobody(org: Organization, worker: User) -> None:
    client = client_for(worker)
    before = AuditEntry.objects.count()
    page = html(
        client.post(url("report", org), {**REPORT, "anonymous": "on", "reporter_contact": ""})
    )
    incident = Incident.objects.get(organization=org)
    assert incident.anonymous and incident.reported_by is None
    assert "reported anonymously" in page and "cannot contact you" in page
    assert incident.reference not in str(dict(client.session.items()))
    written = AuditEntry.objects.order_by("seq")[before:]
    assert written and {e.actor_id for e in written} == {None}
    assert worker.get_username() not in {e.actor for e in written}


def test_a_report_without_a_title_comes_back_with_the_error(
    org: Organization, worker: User
) -> None:
    answer = client_for(worker).post(url("report", org), {**REPORT, "title": ""})
    assert answer.status_code == 200
    assert "This field is required" in html(answer)
    assert not Incident.objects.filter(organization=org).exists()


def test_staff_may_link_systems_from_the_inventory(
    org: Organization, officer_client: Client
) -> None:
    from phiward.inventory.models import Asset

    asset = Asset.objects.create(organization=org, name="Front desk PC")
    form = html(officer_client.get(url("report", org)))
    assert 'name="assets"' in form and "Front desk PC" in form
    officer_client.post(url("report", org), {**REPORT, "assets": [asset.pk]})
    incident = Incident.objects.get(organization=org)
    assert list(incident.assets.all()) == [asset]


def test_an_auditor_may_not_report(org: Organization, make_member: Callable[..., User]) -> None:
    auditor = client_for(make_member(org, Role.AUDITOR))
    assert auditor.get(url("report", org)).status_code == 403
    assert "Report an incident" not in html(auditor.get(url("list", org)))


def test_the_sidebar_offers_reporting_to_the_workforce(org: Organization, worker: User) -> None:
    page = html(client_for(worker).get(reverse("dashboard", args=[org.slug])))
    assert url("report", org) in page
    assert f'href="{url("list", org)}"' not in page


# --- the list -----------------------------------------------------------------------------------


def _report(org: Organization, by: User | None, title: str, **fields: Any) -> Incident:
    return services.report(org, services.Report(title=title, **fields), reporter=by)


def test_the_list_shows_open_first_with_filters_and_counts(
    org: Organization, officer: User, officer_client: Client, other_org: Organization
) -> None:
    first = _report(org, officer, "Old outage", category="system_outage")
    services.change_status(first, Status.CLOSED, officer)
    second = _report(org, officer, "Phishing", category="phishing_account_compromise")
    _report(other_org, None, "Elsewhere")
    page = html(officer_client.get(url("list", org)))
    assert page.index(second.reference) < page.index(first.reference)
    assert "Elsewhere" not in page
    assert 'id="count-open">1<' in page
    only = html(officer_client.get(url("list", org), {"status": "closed"}))
    assert first.reference in only and second.reference not in only
    by_category = html(officer_client.get(url("list", org), {"category": "system_outage"}))
    assert first.reference in by_category and second.reference not in by_category
    found = html(officer_client.get(url("list", org), {"q": second.reference}))
    assert second.reference in found and first.reference not in found
    partial = officer_client.get(url("list", org), {"q": "Phish"}, HTTP_HX_REQUEST="true")
    assert "<h1>" not in html(partial) and second.reference in html(partial)


def test_the_list_query_count_is_flat(
    org: Organization,
    officer: User,
    officer_client: Client,
    make_member: Callable[..., User],
    django_assert_max_num_queries: Any,
) -> None:
    handlers = [make_member(org, Role.PRIVACY_OFFICER, username=f"po{n}") for n in range(3)]
    for n in range(60):
        incident = _report(org, officer, f"Incident {n}", severity="high" if n % 2 else "low")
        services.update_triage(incident, officer, handler=handlers[n % 3])
    with django_assert_max_num_queries(12):
        page = officer_client.get(url("list", org))
    assert page.status_code == 200 and "Incident 59" in html(page)
    with django_assert_max_num_queries(12):
        assert officer_client.get(url("list", org), {"severity": "high"}).status_code == 200


# --- one incident -------------------------------------------------------------------------------


def test_officer_triages_and_moves_the_status(
    org: Organization, incident: Incident, officer: User, officer_client: Client
) -> None:
    page = html(officer_client.get(url("detail", org, incident.pk)))
    assert "Move to Triage" in page and "Move to Contained" in page
    answer = officer_client.post(
        url("triage", org, incident.pk),
        {
            "title": incident.title,
            "description": incident.description,
            "category": "lost_stolen_device",
            "severity": "critical",
            "handler": officer.pk,
            "phi_involved": "yes",
        },
    )
    assert answer.status_code == 302
    incident.refresh_from_db()
    assert incident.severity == "critical" and incident.handler == officer
    officer_client.post(url("status", org, incident.pk), {"status": "contained"})
    incident.refresh_from_db()
    assert incident.status == Status.CONTAINED
    back = officer_client.post(url("status", org, incident.pk), {"status": "reported"}, follow=True)
    assert "cannot go from contained to reported" in html(back)
    officer_client.post(url("status", org, incident.pk), {"status": "closed"})
    closed = html(officer_client.get(url("detail", org, incident.pk)))
    assert "Reopen (Triage)" in closed


def test_triage_refuses_a_handler_from_elsewhere(
    org: Organization,
    other_org: Organization,
    incident: Incident,
    officer_client: Client,
    make_member: Callable[..., User],
) -> None:
    stranger = make_member(other_org, Role.SECURITY_OFFICER, username="stranger")
    answer = officer_client.post(
        url("triage", org, incident.pk),
        {"title": "x", "category": "other", "severity": "low", "handler": stranger.pk,
         "phi_involved": "no"},
    )  # fmt: skip
    assert answer.status_code == 200
    assert "Select a valid choice" in html(answer)


def test_timeline_entries_with_evidence(
    org: Organization, incident: Incident, officer: User, officer_client: Client
) -> None:
    item = library.add_link(
        org,
        "https://example.org/ticket/1",
        meta=library.Metadata(title="Police report", description=""),
        links=library.Links(),
        user=officer,
    )
    answer = officer_client.post(
        url("timeline", org, incident.pk),
        {"kind": "communication", "text": "Called the police", "evidence": item.pk},
    )
    assert answer.status_code == 302
    entry = TimelineEntry.objects.get(incident=incident, kind=TimelineKind.COMMUNICATION)
    assert entry.author == officer and entry.evidence == item
    page = html(officer_client.get(url("detail", org, incident.pk)))
    assert "Called the police" in page and item.reference in page
    empty = officer_client.post(url("timeline", org, incident.pk), {"kind": "note", "text": ""})
    assert empty.status_code == 200 and "This field is required" in html(empty)


def test_playbook_applied_and_steps_checked_off(
    org: Organization, incident: Incident, officer: User, officer_client: Client
) -> None:
    assert "No playbook applied yet" in html(officer_client.get(url("detail", org, incident.pk)))
    officer_client.post(url("playbook", org, incident.pk), {"category": ""})
    steps = list(IncidentStep.objects.filter(incident=incident).order_by("order"))
    assert steps
    page = html(officer_client.get(url("detail", org, incident.pk)))
    assert "Containment" in page and f"0 of {len(steps)} done" in page
    officer_client.post(
        url("step-check", org, incident.pk), {"step": steps[0].pk, "note": "Remote wipe sent"}
    )
    steps[0].refresh_from_db()
    assert steps[0].done_by == officer and steps[0].done_at is not None
    page = html(officer_client.get(url("detail", org, incident.pk)))
    assert "Remote wipe sent" in page and f"1 of {len(steps)} done" in page
    again = officer_client.post(url("playbook", org, incident.pk), {"category": ""}, follow=True)
    assert "already applied" in html(again)


def test_review_and_follow_ups(
    org: Organization, incident: Incident, officer: User, officer_client: Client
) -> None:
    officer_client.post(
        url("review", org, incident.pk),
        {"root_cause": "Laptop not encrypted", "lessons_learned": "Encrypt every laptop"},
    )
    review = Review.objects.get(incident=incident)
    assert review.root_cause == "Laptop not encrypted"
    officer_client.post(
        url("follow-up", org, incident.pk),
        {"title": "Roll out disk encryption", "owner": officer.pk, "due_on": "2030-01-31"},
    )
    action = FollowUpAction.objects.get(incident=incident)
    assert action.owner == officer
    officer_client.post(url("follow-up-done", org, incident.pk), {"action": action.pk})
    action.refresh_from_db()
    assert action.done_at is not None
    officer_client.post(url("review-complete", org, incident.pk))
    review.refresh_from_db()
    assert review.completed_at is not None
    page = html(officer_client.get(url("detail", org, incident.pk)))
    assert "Roll out disk encryption" in page and "completed" in page


def test_an_auditor_reads_but_gets_no_forms(
    org: Organization, incident: Incident, make_member: Callable[..., User]
) -> None:
    auditor = client_for(make_member(org, Role.AUDITOR))
    page = html(auditor.get(url("detail", org, incident.pk)))
    assert incident.reference in page
    assert '<form method="post"' not in page.split('<main id="main"')[1]
    assert (
        auditor.post(url("timeline", org, incident.pk), {"kind": "note", "text": "x"}).status_code
        == 403
    )
    assert auditor.post(url("status", org, incident.pk), {"status": "triage"}).status_code == 403


def test_other_organizations_incidents_are_not_found(
    org: Organization, other_org: Organization, officer: User, officer_client: Client
) -> None:
    theirs = _report(other_org, None, "Not yours")
    assert officer_client.get(url("detail", org, theirs.pk)).status_code == 404
    assert officer_client.get(url("list", other_org)).status_code == 404
