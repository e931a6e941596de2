"""Managing people, the profile, officers and the RACI matrix through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from phiward.core.governance import appoint_officer
from phiward.core.models import (
    Membership,
    OfficerAppointment,
    OfficerKind,
    Organization,
    ResponsibilityAssignment,
)
from phiward.core.permissions import Role
from tests.api.sample import API, send
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.OWNER, username="olga")


@pytest.fixture
def wes(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.WORKFORCE, username="wes")


def _role(org: Organization, username: str) -> str | None:
    found = Membership.objects.filter(organization=org, user__username=username).first()
    return found.role if found else None


def _state(org: Organization) -> tuple[Any, ...]:
    org.refresh_from_db()
    return (
        org.name,
        org.security_officer_id,
        sorted(Membership.objects.filter(organization=org).values_list("user_id", "role")),
        sorted(ResponsibilityAssignment.objects.for_org(org).values_list("area", "user_id")),
        User.objects.count(),
    )


# (method, path, body, who may) for every write; {org} is filled in.
WRITES: list[tuple[str, str, dict[str, Any], set[Role]]] = [
    ("PATCH", "/{org}", {"name": "Renamed"}, {Role.OWNER}),
    ("POST", "/{org}/members", {"username": "pat", "role": "auditor"}, {Role.OWNER}),
    ("PATCH", "/{org}/members/wes", {"role": "auditor"}, {Role.OWNER}),
    ("DELETE", "/{org}/members/wes", {}, {Role.OWNER}),
    (
        "POST",
        "/{org}/officers",
        {"officer": "security", "username": "wes"},
        {Role.OWNER, Role.SECURITY_OFFICER},
    ),
    (
        "PUT",
        "/{org}/responsibilities",
        {"assignments": [{"area": "risk", "username": "wes", "raci": "A"}]},
        {Role.OWNER, Role.SECURITY_OFFICER, Role.PRIVACY_OFFICER},
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "may"),
    WRITES,
    ids=lambda v: "+".join(sorted(map(str, v))) if isinstance(v, set) else str(v),
)
@pytest.mark.parametrize("role", [*Role, None], ids=lambda r: r or "non_member")
def test_every_write_checks_the_role(
    org: Organization,
    other_org: Organization,
    owner: User,
    wes: User,
    make_member: Callable[..., User],
    role: Role | None,
    method: str,
    path: str,
    body: dict[str, Any],
    may: set[Role],
) -> None:
    User.objects.create_user("pat")
    if role is None:
        actor = make_member(other_org, Role.OWNER, username="outsider")
    else:
        actor = owner if role == Role.OWNER else make_member(org, role, username="actor")
    before = _state(org)
    response = send(client_for(actor), method, API + path.format(org=org.slug), body)
    if role is None:
        assert response.status_code == 404
    elif role in may:
        assert response.status_code in (200, 201, 204), response.content
        return
    else:
        assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert _state(org) == before


def test_an_owner_edits_the_profile(org: Organization, owner: User) -> None:
    response = send(
        client_for(owner),
        "PATCH",
        f"{API}/{org.slug}",
        {"name": "Clinic A Family Practice", "address": "1 Main St"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Clinic A Family Practice"
    org.refresh_from_db()
    assert (org.name, org.address, org.kind) == (
        "Clinic A Family Practice",
        "1 Main St",
        "covered_entity",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"name": None}, "name"), ({"kind": "hospital"}, "kind")],
)
def test_invalid_profile_changes_name_the_field(
    org: Organization, owner: User, body: dict[str, Any], field: str
) -> None:
    response = send(client_for(owner), "PATCH", f"{API}/{org.slug}", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    org.refresh_from_db()
    assert org.name == "Clinic A"


def test_a_created_member_logs_in_with_the_one_time_password(
    org: Organization, owner: User
) -> None:
    response = send(
        client_for(owner),
        "POST",
        f"{API}/{org.slug}/members",
        {
            "username": "nina",
            "role": "workforce",
            "create": True,
            "first_name": "Nina",
            "last_name": "Park",
            "email": "nina@clinic.example",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["username"], body["name"], body["role"]) == ("nina", "Nina Park", "workforce")
    password = body["one_time_password"]
    assert password
    assert Client().login(username="nina", password=password)
    listed = send(client_for(owner), "GET", f"{API}/{org.slug}/members").json()
    assert "nina" in [row["username"] for row in listed]


def test_adding_an_existing_user_returns_no_password(org: Organization, owner: User) -> None:
    User.objects.create_user("pat")
    response = send(
        client_for(owner), "POST", f"{API}/{org.slug}/members", {"username": "pat", "role": "owner"}
    )
    assert response.status_code == 201
    assert response.json()["one_time_password"] is None
    assert _role(org, "pat") == Role.OWNER


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ghost", "role": "workforce"}, "username"),
        ({"username": "wes", "role": "workforce"}, "username"),
        ({"username": "pat", "role": "admin"}, "role"),
        ({"username": "new", "role": "workforce", "create": True, "password": "short"}, "password"),
    ],
)
def test_invalid_additions_are_refused(
    org: Organization, owner: User, wes: User, body: dict[str, Any], field: str
) -> None:
    User.objects.create_user("pat")
    before = _state(org)
    response = send(client_for(owner), "POST", f"{API}/{org.slug}/members", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert _state(org) == before


def test_an_owner_changes_a_role(org: Organization, owner: User, wes: User) -> None:
    response = send(
        client_for(owner), "PATCH", f"{API}/{org.slug}/members/wes", {"role": "privacy_officer"}
    )
    assert response.status_code == 200
    assert response.json()["role"] == "privacy_officer"
    assert _role(org, "wes") == Role.PRIVACY_OFFICER


def test_the_last_owner_stays(org: Organization, owner: User) -> None:
    client = client_for(owner)
    demoted = send(client, "PATCH", f"{API}/{org.slug}/members/olga", {"role": "auditor"})
    assert demoted.status_code == 422
    assert "last owner" in demoted.json()["detail"]
    removed = send(client, "DELETE", f"{API}/{org.slug}/members/olga")
    assert removed.status_code == 422
    assert _role(org, "olga") == Role.OWNER


def test_removing_a_member_and_the_officer_refusal(
    org: Organization, owner: User, wes: User, make_member: Callable[..., User]
) -> None:
    sam = make_member(org, Role.SECURITY_OFFICER, username="sam")
    appoint_officer(
        org, OfficerKind.SECURITY, sam, approved_by=owner, effective_date=timezone.localdate()
    )
    client = client_for(owner)
    refused = send(client, "DELETE", f"{API}/{org.slug}/members/sam")
    assert refused.status_code == 422
    assert "designate someone else first" in refused.json()["detail"]
    assert _role(org, "sam") == Role.SECURITY_OFFICER
    assert send(client, "DELETE", f"{API}/{org.slug}/members/wes").status_code == 204
    assert _role(org, "wes") is None
    assert User.objects.filter(username="wes").exists()


def test_another_organizations_member_is_not_found(
    org: Organization, other_org: Organization, owner: User, make_member: Callable[..., User]
) -> None:
    make_member(other_org, Role.WORKFORCE, username="elsewhere")
    client = client_for(owner)
    path = f"{API}/{org.slug}/members/elsewhere"
    assert send(client, "PATCH", path, {"role": "auditor"}).status_code == 404
    assert send(client, "DELETE", path).status_code == 404
    assert _role(other_org, "elsewhere") == Role.WORKFORCE


def test_designating_an_officer_is_recorded(org: Organization, owner: User, wes: User) -> None:
    response = send(
        client_for(owner),
        "POST",
        f"{API}/{org.slug}/officers",
        {"officer": "privacy", "username": "wes", "reason": "New hire"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person"]["username"] == "wes"
    assert body["approved_by"]["username"] == "olga"
    assert body["previous"] is None
    assert body["effective_date"] == timezone.localdate().isoformat()
    org.refresh_from_db()
    assert org.privacy_officer == wes
    assert OfficerAppointment.objects.for_org(org).get().reason == "New hire"


def test_only_members_are_designated(
    org: Organization, other_org: Organization, owner: User, make_member: Callable[..., User]
) -> None:
    make_member(other_org, Role.SECURITY_OFFICER, username="elsewhere")
    response = send(
        client_for(owner),
        "POST",
        f"{API}/{org.slug}/officers",
        {"officer": "security", "username": "elsewhere"},
    )
    assert response.status_code == 422
    assert "username" in response.json()["errors"]
    assert not OfficerAppointment.objects.exists()


def test_the_matrix_is_replaced_whole(
    org: Organization, owner: User, wes: User, make_member: Callable[..., User]
) -> None:
    ResponsibilityAssignment.objects.create(organization=org, area="vendors", raci="A", user=wes)
    body = {
        "assignments": [
            {"area": "risk", "username": "olga", "raci": "A"},
            {"area": "risk", "username": "wes", "raci": "R"},
            {"area": "training", "username": "wes", "raci": "A"},
        ]
    }
    response = send(client_for(owner), "PUT", f"{API}/{org.slug}/responsibilities", body)
    assert response.status_code == 200, response.content
    rows = {row["area"]: row["assignments"] for row in response.json()}
    assert [(a["username"], a["raci"]) for a in rows["risk"]] == [("olga", "A"), ("wes", "R")]
    assert rows["vendors"] == []
    assert sorted(
        ResponsibilityAssignment.objects.for_org(org).values_list("area", "user__username", "raci")
    ) == [("risk", "olga", "A"), ("risk", "wes", "R"), ("training", "wes", "A")]


@pytest.mark.parametrize(
    ("assignments", "field"),
    [
        (
            [
                {"area": "risk", "username": "olga", "raci": "A"},
                {"area": "risk", "username": "wes", "raci": "A"},
            ],
            "assignments.1.raci",
        ),
        ([{"area": "risk", "username": "elsewhere", "raci": "R"}], "assignments.0.username"),
        (
            [
                {"area": "risk", "username": "wes", "raci": "R"},
                {"area": "risk", "username": "wes", "raci": "C"},
            ],
            "assignments.1",
        ),
        ([{"area": "payroll", "username": "wes", "raci": "R"}], "assignments.0.area"),
    ],
)
def test_an_invalid_matrix_changes_nothing(
    org: Organization,
    other_org: Organization,
    owner: User,
    wes: User,
    make_member: Callable[..., User],
    assignments: list[dict[str, str]],
    field: str,
) -> None:
    make_member(other_org, Role.OWNER, username="elsewhere")
    ResponsibilityAssignment.objects.create(organization=org, area="vendors", raci="A", user=wes)
    response = send(
        client_for(owner),
        "PUT",
        f"{API}/{org.slug}/responsibilities",
        {"assignments": assignments},
    )
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert list(ResponsibilityAssignment.objects.for_org(org).values_list("area", "raci")) == [
        ("vendors", "A")
    ]
