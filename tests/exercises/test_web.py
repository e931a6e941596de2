"""Exercise and IR plan pages: list with due per kind, record, detail, edit, follow-ups, a
major change, a revision opened from findings, edit and approve the draft, the diff."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.exercises.models import Exercise, FollowUpAction, IRPlanVersion, MajorChange
from tests.conftest import client_for
from tests.exercises.sample import build_exercises

pytestmark = pytest.mark.django_db


def test_list_shows_due_per_kind(org: Organization, officer: User) -> None:
    sample = build_exercises(org)
    page = client_for(officer).get(reverse("exercises:list", args=[org.slug])).content.decode()
    assert "Tabletop exercise" in page and "Technical drill" in page and "Full test" in page
    assert "Overdue" in page  # the tabletop of 15 January is long overdue
    assert "never" in page  # no drill yet
    assert sample.exercise.reference in page
    assert "Add the insurer&#x27;s hotline to the plan" in page


def test_record_edit_and_follow_up(org: Organization, officer: User) -> None:
    client = client_for(officer)
    response = client.post(
        reverse("exercises:create", args=[org.slug]),
        {
            "kind": "drill",
            "title": "Backup restore drill",
            "held_on": "2026-06-01",
            "duration_minutes": "45",
            "participants": [officer.pk],
            "external_participants": "MSP engineer\n\n",
            "minutes_to_contain": "30",
            "findings": "Restore took longer than the RTO.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    x = Exercise.objects.get()
    assert response["Location"] == reverse("exercises:detail", args=[org.slug, x.pk])
    assert (x.kind, x.minutes_to_contain, x.external_participants) == (
        "drill",
        30,
        ["MSP engineer"],
    )
    detail = client.get(response["Location"]).content.decode()
    assert "Backup restore drill" in detail and "30 minutes" in detail and "MSP engineer" in detail
    edit = client.get(reverse("exercises:edit", args=[org.slug, x.pk]))
    assert edit.status_code == 200 and "Restore took longer" in edit.content.decode()
    client.post(
        reverse("exercises:action-create", args=[org.slug, x.pk]),
        {"title": "Test restores monthly", "owner": officer.pk, "due_on": "2026-07-01"},
    )
    action = FollowUpAction.objects.get()
    assert action.owner == officer
    client.post(reverse("exercises:action-done", args=[org.slug, action.pk]))
    action.refresh_from_db()
    assert action.done_on is not None


def test_bad_input_re_renders_with_errors(org: Organization, officer: User) -> None:
    response = client_for(officer).post(
        reverse("exercises:create", args=[org.slug]),
        {"kind": "tabletop", "title": "", "held_on": "2026-06-01", "minutes_to_detect": "-3"},
    )
    assert response.status_code == 200
    assert Exercise.objects.count() == 0


def test_major_change(org: Organization, officer: User) -> None:
    response = client_for(officer).post(
        reverse("exercises:major-change", args=[org.slug]),
        {"description": "EHR migrated to a new vendor", "changed_on": "2026-10-01"},
    )
    assert response.status_code == 302
    assert MajorChange.objects.get().description == "EHR migrated to a new vendor"


def test_finding_opens_a_revision_that_the_officer_edits_and_approves(
    org: Organization, officer: User
) -> None:
    sample = build_exercises(org)
    client = client_for(officer)
    draft = sample.draft
    page = client.get(reverse("exercises:plan-detail", args=[org.slug, draft.pk])).content.decode()
    assert sample.exercise.reference in page and "Approve v2" in page
    response = client.post(
        reverse("exercises:plan-edit", args=[org.slug, draft.pk]),
        {
            "title": "IR plan",
            "body": draft.body + "\nCall the insurer first.\n",
            "change_summary": "Insurer",
        },
    )
    assert response.status_code == 302
    diff = client.get(reverse("exercises:plan-diff", args=[org.slug, draft.pk])).content.decode()
    assert "+Call the insurer first." in diff
    client.post(
        reverse("exercises:plan-approve", args=[org.slug, draft.pk]), {"effective_on": "2026-12-01"}
    )
    draft.refresh_from_db()
    assert draft.status == "approved" and draft.approved_by == officer
    assert str(draft.effective_on) == "2026-12-01"
    # An approved version is not edited: the edit page sends back to the version.
    edit = client.get(reverse("exercises:plan-edit", args=[org.slug, draft.pk]))
    assert edit.status_code == 302
    listing = client.get(reverse("exercises:plan", args=[org.slug])).content.decode()
    assert "Current" in listing and "Start a new draft" in listing


def test_auditor_reads_but_cannot_approve(
    org: Organization, make_member: Callable[..., User]
) -> None:
    sample = build_exercises(org)
    auditor = client_for(make_member(org, Role.AUDITOR))
    page = auditor.get(reverse("exercises:plan-detail", args=[org.slug, sample.draft.pk]))
    assert page.status_code == 200 and "Approve v2" not in page.content.decode()
    refused = auditor.post(reverse("exercises:plan-approve", args=[org.slug, sample.draft.pk]))
    assert refused.status_code == 403
    assert IRPlanVersion.objects.get(pk=sample.draft.pk).is_draft


def test_workforce_and_outsiders_are_kept_out(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    sample = build_exercises(org)
    workforce = client_for(make_member(org, Role.WORKFORCE))
    assert workforce.get(reverse("exercises:list", args=[org.slug])).status_code == 403
    outsider = client_for(make_member(other_org, Role.OWNER))
    detail = reverse("exercises:detail", args=[org.slug, sample.exercise.pk])
    assert outsider.get(detail).status_code == 404
    own_slug = reverse("exercises:detail", args=[other_org.slug, sample.exercise.pk])
    assert outsider.get(own_slug).status_code == 404  # another organization's object
