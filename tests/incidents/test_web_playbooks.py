"""The playbook pages: the organization's playbooks (seeded on first view), editing one (title,
steps per phase, one per line), errors next to their fields, auditors read-only, the workforce
kept out, and incidents that applied a playbook keeping their copy."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from phiward.audit.models import AuditEntry
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.incidents import services
from phiward.incidents.models import Category, Incident, IncidentStep, Playbook, PlaybookStep
from phiward.incidents.playbook_data import load_playbooks
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LOST = Category.LOST_STOLEN_DEVICE.value
EDIT = {
    "title": "Lost or stolen laptop or phone",
    "containment": "Wipe it remotely\n\n  Disable   its certificates \n",
    "eradication": "",
    "recovery": "Issue a replacement",
    "communication": "Run the breach assessment",
}


def url(name: str, org: Organization, *args: object) -> str:
    return reverse(f"incidents:{name}", args=[org.slug, *args])


def html(response: Any) -> str:
    return unescape(str(response.content.decode()))


def test_the_list_seeds_the_playbooks_once_and_is_linked_from_the_incidents(
    org: Organization, officer: User
) -> None:
    client = client_for(officer)
    assert url("playbooks", org) in html(client.get(url("list", org)))
    assert not Playbook.objects.exists()
    page = html(client.get(url("playbooks", org)))
    shipped = load_playbooks()
    assert Playbook.objects.for_org(org).count() == len(shipped.playbooks) == len(Category)
    for value, label in Category.choices:
        assert label in page and url("playbook-edit", org, value) in page
    seeded = AuditEntry.objects.filter(organization_id=org.pk, object_type="incidents.playbook")
    assert seeded.count() == len(Category)
    client.get(url("playbooks", org))  # seeded once: nothing more
    assert Playbook.objects.for_org(org).count() == seeded.count() == len(Category)


def test_editing_a_playbook_replaces_its_steps_and_raises_its_version(
    org: Organization, officer: User
) -> None:
    client = client_for(officer)
    form = html(client.get(url("playbook-edit", org, LOST)))
    for phase in ("containment", "eradication", "recovery", "communication"):
        assert f'name="{phase}"' in form and f'id="id_{phase}"' in form  # labelled textareas
    assert "remote lock and wipe" in form  # the shipped steps, one per line
    answer = client.post(url("playbook-edit", org, LOST), EDIT)
    assert answer.status_code == 302 and answer["Location"] == url("playbooks", org)
    book = Playbook.objects.for_org(org).get(category=LOST)
    assert book.title == EDIT["title"] and book.version == 2
    steps = [(s.phase, s.order, s.text) for s in book.steps.order_by("order")]
    assert steps == [
        ("containment", 1, "Wipe it remotely"),
        ("containment", 2, "Disable its certificates"),
        ("recovery", 3, "Issue a replacement"),
        ("communication", 4, "Run the breach assessment"),
    ]
    assert AuditEntry.objects.filter(
        object_type="incidents.playbook", action="change", actor=officer.get_username()
    ).exists()
    listing = html(client.get(url("playbooks", org)))
    assert EDIT["title"] in listing and "(edited)" in listing


def test_errors_name_their_fields(org: Organization, officer: User) -> None:
    client = client_for(officer)
    empty = {"title": "", "containment": "", "eradication": "", "recovery": "", "communication": ""}
    answer = client.post(url("playbook-edit", org, LOST), empty)
    assert answer.status_code == 200
    assert answer.context["form"].errors.keys() == {"title"}
    answer = client.post(url("playbook-edit", org, LOST), {**empty, "title": "Nothing to do"})
    assert answer.status_code == 200
    assert "a playbook needs at least one step" in answer.context["form"].errors["containment"]
    too_long = {**EDIT, "recovery": "x" * 2001}
    answer = client.post(url("playbook-edit", org, LOST), too_long)
    assert "recovery" in answer.context["form"].errors
    book = Playbook.objects.for_org(org).get(category=LOST)
    assert book.version == 1 and book.title != "Nothing to do"


def test_incidents_that_applied_a_playbook_keep_their_copy(
    org: Organization, officer: User
) -> None:
    incident = services.report(
        org, services.Report(title="Phone lost", category=LOST), reporter=officer
    )
    applied = services.apply_playbook(incident, officer)
    before = [(s.text, s.playbook_version, s.playbook_title) for s in applied]
    client = client_for(officer)
    page = html(client.get(url("playbook-edit", org, LOST)))
    assert "applied to 1 incident" in page
    assert client.post(url("playbook-edit", org, LOST), EDIT).status_code == 302
    kept = IncidentStep.objects.filter(incident=incident).order_by("order")
    assert [(s.text, s.playbook_version, s.playbook_title) for s in kept] == before
    assert all(version == 1 for _, version, _ in before)
    later = services.report(org, services.Report(title="Another", category=LOST), reporter=officer)
    fresh = services.apply_playbook(later, officer)
    assert fresh[0].text == "Wipe it remotely" and fresh[0].playbook_version == 2


def test_auditors_read_but_cannot_edit(org: Organization, make_member: Callable[..., User]) -> None:
    auditor = client_for(make_member(org, Role.AUDITOR))
    listing = auditor.get(url("playbooks", org))
    assert listing.status_code == 200
    page = auditor.get(url("playbook-edit", org, LOST))
    assert page.status_code == 200
    text = html(page)
    assert 'name="containment"' not in text and 'name="title"' not in text  # no form
    assert "remote lock and wipe" in text  # the steps, read-only
    assert auditor.post(url("playbook-edit", org, LOST), EDIT).status_code == 403
    assert Playbook.objects.for_org(org).get(category=LOST).version == 1


def test_the_workforce_and_other_organizations_are_kept_out(
    org: Organization,
    other_org: Organization,
    worker: User,
    make_member: Callable[..., User],
) -> None:
    client = client_for(worker)
    assert client.get(url("playbooks", org)).status_code == 403
    assert client.get(url("playbook-edit", org, LOST)).status_code == 403
    outsider = client_for(make_member(other_org, Role.OWNER))
    assert outsider.get(url("playbooks", org)).status_code == 404
    assert outsider.post(url("playbook-edit", org, LOST), EDIT).status_code == 404
    assert not Playbook.objects.for_org(org).exists()


def test_an_unknown_category_is_404(org: Organization, officer: User) -> None:
    client = client_for(officer)
    assert client.get(url("playbook-edit", org, "volcano")).status_code == 404
    assert client.post(url("playbook-edit", org, "volcano"), EDIT).status_code == 404
    assert not PlaybookStep.objects.filter(organization=org, text="Wipe it remotely").exists()


def test_a_seeded_playbook_edited_elsewhere_is_not_reseeded(
    org: Organization, officer: User
) -> None:
    client = client_for(officer)
    client.post(url("playbook-edit", org, LOST), EDIT)
    client.get(url("playbooks", org))
    assert Playbook.objects.for_org(org).get(category=LOST).version == 2
    assert Incident.objects.count() == 0
