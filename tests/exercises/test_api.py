"""The exercises API: record, read, change, follow-ups, due per kind, major changes, and the
IR plan's versions (draft, approve, revision from an exercise)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.tokens.lifecycle import create_token
from tests.conftest import client_for
from tests.exercises.sample import build_exercises

pytestmark = pytest.mark.django_db


def api(org: Organization, rest: str) -> str:
    return f"/api/organizations/{org.slug}{rest}"


def test_record_read_change(org: Organization, officer: User) -> None:
    client = client_for(officer)
    response = client.post(
        api(org, "/exercises"),
        {
            "kind": "full_test",
            "title": "Full failover test",
            "held_on": "2026-09-01",
            "participants": [officer.username],
            "external_participants": ["Hosting provider"],
            "minutes_to_detect": 12,
            "findings": "DNS TTLs too long.",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("X-") and body["participants"] == [officer.username]
    assert (body["minutes_to_detect"], body["minutes_to_contain"]) == (12, None)
    x_id = body["id"]
    patched = client.patch(
        api(org, f"/exercises/{x_id}"),
        {"minutes_to_contain": 40, "title": "Full failover test (east)"},
        content_type="application/json",
    ).json()
    assert (patched["minutes_to_detect"], patched["minutes_to_contain"]) == (12, 40)
    assert patched["participants"] == [officer.username]
    action = client.post(
        api(org, f"/exercises/{x_id}/actions"),
        {"title": "Shorten TTLs", "owner": officer.username, "due_on": "2026-10-01"},
        content_type="application/json",
    )
    assert action.status_code == 201
    done = client.patch(
        api(org, f"/exercise-actions/{action.json()['id']}"),
        {"done_on": "2026-09-20"},
        content_type="application/json",
    )
    assert done.json()["done_on"] == "2026-09-20"
    listing = client.get(api(org, "/exercises?kind=full_test")).json()
    assert listing["count"] == 1 and listing["items"][0]["actions"][0]["title"] == "Shorten TTLs"


def test_problems_are_422_with_fields(org: Organization, officer: User) -> None:
    response = client_for(officer).post(
        api(org, "/exercises"),
        {"title": "x", "participants": ["nobody"]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "participants" in response.json()["errors"]


def test_due_and_major_changes(org: Organization, officer: User) -> None:
    client = client_for(officer)
    due = client.get(api(org, "/exercises-due")).json()
    assert [d["kind"] for d in due] == ["tabletop", "drill", "full_test"]
    assert all(d["last_on"] is None for d in due)
    created = client.post(
        api(org, "/major-changes"),
        {"description": "New data centre", "changed_on": "2026-01-01"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert client.get(api(org, "/major-changes")).json()[0]["description"] == "New data centre"
    full = client.get(api(org, "/exercises-due")).json()[2]
    assert full["overdue"] and full["major_change_on"] == "2026-01-01"


def test_plan_versions_and_approval(
    org: Organization, officer: User, make_member: Callable[..., User]
) -> None:
    sample = build_exercises(org)
    client = client_for(officer)
    versions = client.get(api(org, "/ir-plan/versions")).json()
    assert [(v["number"], v["status"], v["current"]) for v in versions] == [
        (2, "draft", False),
        (1, "approved", True),
    ]
    assert versions[0]["source_exercise_id"] == sample.exercise.pk
    path = api(org, f"/ir-plan/versions/{sample.draft.pk}")
    changed = client.patch(path, {"body": "New text"}, content_type="application/json").json()
    assert changed["body"] == "New text" and len(changed["digest"]) == 64
    auditor = client_for(make_member(org, Role.AUDITOR))
    assert auditor.post(f"{path}/approve", {}, content_type="application/json").status_code == 403
    approved = client.post(f"{path}/approve", {}, content_type="application/json")
    assert approved.status_code == 200
    assert approved.json()["current"] and approved.json()["approved_by"] == officer.username
    again = client.patch(path, {"body": "Changed"}, content_type="application/json")
    assert again.status_code == 422
    revision = client.post(api(org, f"/exercises/{sample.exercise.pk}/plan-revision"))
    assert revision.status_code == 201 and revision.json()["number"] == 3
    second = client.post(api(org, "/ir-plan/versions"))
    assert second.status_code == 422  # a draft is already open


def test_a_token_of_an_approving_role_cannot_exceed_its_own_role(
    org: Organization, make_member: Callable[..., User]
) -> None:
    sample = build_exercises(org)
    owner = make_member(org, Role.OWNER)
    _t, secret = create_token(org, creator=owner, name="ro", role=Role.AUDITOR)
    path = api(org, f"/ir-plan/versions/{sample.draft.pk}/approve")
    response = Client().post(
        path, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 403


def test_workforce_cannot_read(org: Organization, make_member: Callable[..., User]) -> None:
    build_exercises(org)
    workforce = client_for(make_member(org, Role.WORKFORCE))
    assert workforce.get(api(org, "/exercises")).status_code == 403
    assert workforce.get(api(org, "/ir-plan/versions")).status_code == 403
