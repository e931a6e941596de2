"""The organizations endpoints: my organizations, profile, members, RACI matrix, creation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from phiward.core.governance import appoint_officer
from phiward.core.models import (
    Membership,
    OfficerKind,
    Organization,
    ResponsibilityAssignment,
)
from phiward.core.permissions import Role
from tests.api.sample import API, send
from tests.conftest import client_for


def test_my_organizations_lists_each_with_my_role(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    user = make_member(org, Role.PRIVACY_OFFICER, username="pat")
    Membership.objects.create(user=user, organization=other_org, role=Role.WORKFORCE)
    not_mine = Organization.objects.create(slug="clinic-c", name="Clinic C")
    rows = send(client_for(user), "GET", API).json()
    assert rows == [
        {
            "slug": "clinic-a",
            "name": "Clinic A",
            "kind": "covered_entity",
            "role": "privacy_officer",
            "role_label": "Privacy officer",
        },
        {
            "slug": "clinic-b",
            "name": "Clinic B",
            "kind": "covered_entity",
            "role": "workforce",
            "role_label": "Workforce",
        },
    ]
    assert not_mine.slug not in [row["slug"] for row in rows]


def test_profile_names_officers_and_counts_members(
    org: Organization, make_member: Callable[..., User]
) -> None:
    owner = make_member(org, Role.OWNER, username="olga")
    officer = make_member(org, Role.SECURITY_OFFICER, username="sam")
    officer.first_name, officer.last_name = "Sam", "Rivera"
    officer.save()
    make_member(org, Role.WORKFORCE, username="wes")
    appoint_officer(
        org, OfficerKind.SECURITY, officer, approved_by=owner, effective_date=dt.date(2025, 1, 6)
    )
    profile = send(client_for(owner), "GET", f"{API}/{org.slug}").json()
    assert profile["name"] == "Clinic A"
    assert profile["kind_label"] == "Covered entity"
    assert profile["security_officer"] == {"username": "sam", "name": "Sam Rivera"}
    assert profile["privacy_officer"] is None
    assert profile["member_count"] == 3


def test_members_lists_usernames_names_and_roles(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    auditor = make_member(org, Role.AUDITOR, username="audrey")
    make_member(org, Role.WORKFORCE, username="wes")
    make_member(other_org, Role.OWNER, username="elsewhere")
    rows = send(client_for(auditor), "GET", f"{API}/{org.slug}/members").json()
    assert [(r["username"], r["name"], r["role"]) for r in rows] == [
        ("audrey", "audrey", "auditor"),
        ("wes", "wes", "workforce"),
    ]


def test_responsibilities_is_the_raci_matrix_by_program_area(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER, username="sam")
    owner = make_member(org, Role.OWNER, username="olga")
    for user, raci in ((officer, "R"), (owner, "A")):
        ResponsibilityAssignment.objects.create(organization=org, area="risk", raci=raci, user=user)
    outsider = make_member(other_org, Role.OWNER, username="elsewhere")
    ResponsibilityAssignment.objects.create(
        organization=other_org, area="risk", raci="C", user=outsider
    )
    rows = send(client_for(officer), "GET", f"{API}/{org.slug}/responsibilities").json()
    by_area = {row["area"]: row for row in rows}
    assert len(rows) == 8  # every program area, assigned or not
    assert by_area["risk"]["area_label"] == "Risk analysis and management"
    assert [
        (a["username"], a["raci"], a["raci_label"]) for a in by_area["risk"]["assignments"]
    ] == [
        ("olga", "A", "Accountable"),
        ("sam", "R", "Responsible"),
    ]
    assert by_area["training"]["assignments"] == []


def test_an_owner_creates_an_organization_and_owns_it(
    org: Organization, make_member: Callable[..., User]
) -> None:
    owner = make_member(org, Role.OWNER, username="consultant")
    response = send(
        client_for(owner),
        "POST",
        API,
        {"slug": "hillside-dental", "name": "Hillside Dental", "kind": "covered_entity"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "hillside-dental"
    assert response.json()["member_count"] == 1
    created = Organization.objects.get(slug="hillside-dental")
    assert Membership.objects.get(organization=created).user == owner
    assert Membership.objects.get(organization=created).role == Role.OWNER


def test_a_superuser_without_organizations_may_create_one(db: None) -> None:
    admin = User.objects.create_superuser(username="admin", password="x" * 20)
    response = send(client_for(admin), "POST", API, {"slug": "first", "name": "First Clinic"})
    assert response.status_code == 201
    assert send(client_for(admin), "GET", API).json()[0]["role"] == "owner"


def test_a_user_who_owns_nothing_may_not_create_organizations(
    org: Organization, make_member: Callable[..., User]
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    response = send(client_for(officer), "POST", API, {"slug": "mine", "name": "Mine"})
    assert response.status_code == 403
    assert not Organization.objects.filter(slug="mine").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "not a slug!", "name": "X"}, "slug"),
        ({"slug": "clinic-a", "name": "Taken"}, "slug"),
        ({"slug": "", "name": "X"}, "slug"),
        ({"slug": "ok-slug", "name": ""}, "name"),
        ({"slug": "ok-slug", "name": "X", "kind": "hospital"}, "kind"),
        ({"name": "X"}, "slug"),
    ],
)
def test_invalid_organizations_are_refused_naming_the_field(
    org: Organization, make_member: Callable[..., User], body: dict[str, str], field: str
) -> None:
    owner: User = make_member(org, Role.OWNER)
    client: Client = client_for(owner)
    response = send(client, "POST", API, body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert Organization.objects.count() == 1
