"""The People and Organization profile pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from phiward.core.governance import appoint_officer
from phiward.core.models import Membership, OfficerKind, Organization
from phiward.core.permissions import Role
from tests.accounts.conftest import totp
from tests.conftest import TOTP_SECRET, client_for

pytestmark = pytest.mark.django_db

NON_OWNERS = [r for r in Role if r != Role.OWNER]


@pytest.fixture
def owner(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.OWNER, username="olga")


@pytest.fixture
def wes(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.WORKFORCE, username="wes")


def _role(org: Organization, username: str) -> str | None:
    found = Membership.objects.filter(organization=org, user__username=username).first()
    return found.role if found else None


def _writes(org: Organization) -> list[tuple[str, str, dict[str, str]]]:
    """Every page that changes people or the profile: (method, url, form data)."""
    edit = reverse("member-edit", args=[org.slug, "wes"])
    remove = reverse("member-remove", args=[org.slug, "wes"])
    add = reverse("member-add", args=[org.slug])
    profile = reverse("org-profile-edit", args=[org.slug])
    return [
        ("get", add, {}),
        ("post", add, {"username": "pat", "role": "auditor"}),
        ("get", edit, {}),
        ("post", edit, {"role": "auditor"}),
        ("get", remove, {}),
        ("post", remove, {}),
        ("get", profile, {}),
        ("post", profile, {"name": "Renamed", "kind": "covered_entity"}),
    ]


def _state(org: Organization) -> tuple[object, ...]:
    org.refresh_from_db()
    return (
        org.name,
        sorted(Membership.objects.filter(organization=org).values_list("user__username", "role")),
    )


@pytest.mark.parametrize("role", NON_OWNERS)
def test_non_owners_are_refused_every_change(
    org: Organization, owner: User, wes: User, make_member: Callable[..., User], role: Role
) -> None:
    User.objects.create_user("pat")
    client = client_for(make_member(org, role, username="actor"))
    before = _state(org)
    for method, url, data in _writes(org):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
    assert _state(org) == before


def test_outsiders_and_other_organizations_members_are_not_found(
    org: Organization,
    other_org: Organization,
    owner: User,
    wes: User,
    make_member: Callable[..., User],
) -> None:
    outsider = client_for(make_member(other_org, Role.OWNER, username="outsider"))
    for method, url, data in _writes(org):
        assert getattr(outsider, method)(url, data).status_code == 404, (method, url)
    assert outsider.get(reverse("members", args=[org.slug])).status_code == 404
    assert outsider.get(reverse("org-profile", args=[org.slug])).status_code == 404

    make_member(other_org, Role.WORKFORCE, username="elsewhere")
    client = client_for(owner)
    for name in ("member-edit", "member-remove"):
        url = reverse(name, args=[org.slug, "elsewhere"])
        assert client.get(url).status_code == 404
        assert client.post(url, {"role": "auditor"}).status_code == 404
    assert _role(other_org, "elsewhere") == Role.WORKFORCE


def test_every_member_sees_the_people_page_and_only_owners_get_the_controls(
    org: Organization, owner: User, wes: User
) -> None:
    page = client_for(wes).get(reverse("members", args=[org.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "olga" in html and "Workforce" in html
    assert reverse("member-add", args=[org.slug]) not in html
    assert 'aria-current="page">People' in html

    owned = client_for(owner).get(reverse("members", args=[org.slug])).content.decode()
    assert reverse("member-add", args=[org.slug]) in owned
    assert reverse("member-edit", args=[org.slug, "wes"]) in owned
    assert reverse("member-remove", args=[org.slug, "wes"]) in owned


def test_an_owner_changes_a_role(org: Organization, owner: User, wes: User) -> None:
    response = client_for(owner).post(
        reverse("member-edit", args=[org.slug, "wes"]), {"role": "privacy_officer"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("members", args=[org.slug])
    assert "is now privacy officer" in response.content.decode()
    assert _role(org, "wes") == Role.PRIVACY_OFFICER


def test_the_last_owner_cannot_step_down(org: Organization, owner: User) -> None:
    response = client_for(owner).post(
        reverse("member-edit", args=[org.slug, "olga"]), {"role": "auditor"}
    )
    assert response.status_code == 200
    assert "last owner" in response.content.decode()
    assert _role(org, "olga") == Role.OWNER


def test_removal_asks_for_confirmation_then_removes(
    org: Organization, owner: User, wes: User
) -> None:
    client = client_for(owner)
    url = reverse("member-remove", args=[org.slug, "wes"])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Remove member" in confirm.content.decode()
    assert _role(org, "wes") == Role.WORKFORCE
    response = client.post(url)
    assert response.status_code == 302
    assert _role(org, "wes") is None


def test_the_designated_officer_is_not_removed(
    org: Organization, owner: User, make_member: Callable[..., User]
) -> None:
    sam = make_member(org, Role.SECURITY_OFFICER, username="sam")
    appoint_officer(
        org, OfficerKind.SECURITY, sam, approved_by=owner, effective_date=dt.date(2025, 1, 6)
    )
    response = client_for(owner).post(reverse("member-remove", args=[org.slug, "sam"]))
    assert response.status_code == 200
    assert "designate someone else first" in response.content.decode()
    assert _role(org, "sam") == Role.SECURITY_OFFICER


def test_a_created_user_logs_in_with_the_password_shown_once(
    org: Organization, owner: User
) -> None:
    response = client_for(owner).post(
        reverse("member-add", args=[org.slug]),
        {
            "username": "nina",
            "role": "workforce",
            "create": "on",
            "first_name": "Nina",
            "last_name": "Park",
            "email": "nina@clinic.example",
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    found = re.search(r"One-time password: (\S+)", response.content.decode())
    assert found is not None
    password = found.group(1)
    stored = response.cookies.get("messages")
    assert stored is None or stored.value == "", "the password must not go into a cookie"
    assert _role(org, "nina") == Role.WORKFORCE

    fresh = Client()
    login = fresh.post(reverse("login"), {"login": "nina", "password": password})
    assert login.status_code == 302
    assert fresh.post(login["Location"], {"code": totp(TOTP_SECRET)}).status_code == 302
    assert fresh.get(reverse("members", args=[org.slug])).status_code == 200
    again = client_for(owner).get(reverse("members", args=[org.slug])).content.decode()
    assert password not in again


def test_adding_an_existing_user_and_the_form_errors(org: Organization, owner: User) -> None:
    User.objects.create_user("pat")
    client = client_for(owner)
    url = reverse("member-add", args=[org.slug])
    added = client.post(url, {"username": "pat", "role": "auditor"})
    assert added.status_code == 302
    assert _role(org, "pat") == Role.AUDITOR

    unknown = client.post(url, {"username": "ghost", "role": "auditor"})
    assert unknown.status_code == 200
    assert "no user &#x27;ghost&#x27;" in unknown.content.decode()
    twice = client.post(url, {"username": "pat", "role": "owner"})
    assert "already is a member" in twice.content.decode()
    stray = client.post(url, {"username": "ghost", "role": "auditor", "email": "g@example.org"})
    assert "Only used when creating a new user" in stray.content.decode()
    assert _role(org, "pat") == Role.AUDITOR
    assert not User.objects.filter(username="ghost").exists()


def test_every_member_reads_the_profile_and_owners_edit_it(
    org: Organization, owner: User, wes: User
) -> None:
    page = client_for(wes).get(reverse("org-profile", args=[org.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Clinic A" in html and "not designated" in html
    assert reverse("org-profile-edit", args=[org.slug]) not in html

    client = client_for(owner)
    url = reverse("org-profile-edit", args=[org.slug])
    assert client.get(url).status_code == 200
    saved = client.post(
        url,
        {
            "name": "Clinic A Family Practice",
            "kind": "hybrid_entity",
            "description": "",
            "address": "1 Main St",
        },
    )
    assert saved.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.kind, org.address) == (
        "Clinic A Family Practice",
        "hybrid_entity",
        "1 Main St",
    )
    refused = client.post(url, {"name": "", "kind": "covered_entity"})
    assert refused.status_code == 200
    assert "errorlist" in refused.content.decode()
    org.refresh_from_db()
    assert org.name == "Clinic A Family Practice"
