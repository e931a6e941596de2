"""Idle timeout, absolute lifetime, and every session ending when access changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from phiward.accounts import policies, recovery
from phiward.core.members import change_role, member_of
from phiward.core.models import Organization
from phiward.core.permissions import Role
from tests.accounts.conftest import Clock, login
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

MINUTE, HOUR = 60, 3600


@pytest.fixture
def nina(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.SECURITY_OFFICER, username="nina")


def _in(client: Client, org: Organization) -> bool:
    response = client.get(f"/o/{org.slug}/")
    if response.status_code == 200:
        return True
    assert response["Location"].startswith(reverse("login")), response["Location"]
    return False


def test_fifteen_idle_minutes_log_out_by_default(
    clock: Clock, nina: User, org: Organization
) -> None:
    client = Client()
    login(client, nina.username)
    clock.advance(14 * MINUTE)
    assert _in(client, org)
    clock.advance(14 * MINUTE)  # 14 minutes after the last request: still in
    assert _in(client, org)
    clock.advance(15 * MINUTE)
    response = client.get(f"/o/{org.slug}/", follow=True)
    assert b"logged out after 15 minutes without activity" in response.content
    assert not _in(client, org)


def test_the_absolute_lifetime_ends_even_an_active_session(
    clock: Clock, nina: User, org: Organization
) -> None:
    client = Client()
    login(client, nina.username)
    for _ in range(12 * 6 - 1):  # a request every ten minutes for just under twelve hours
        clock.advance(10 * MINUTE)
        assert _in(client, org)
    clock.advance(10 * MINUTE)
    assert not _in(client, org)


def test_the_strictest_organization_sets_the_limits(
    clock: Clock,
    nina: User,
    org: Organization,
    make_org: Callable[..., Organization],
    make_member: Callable[..., User],
) -> None:
    strict = make_org()
    from phiward.core.models import Membership

    Membership.objects.create(user=nina, organization=strict, role=Role.AUDITOR)
    policies.set_policy(strict, by=None, session_idle_minutes=5)
    client = client_for(nina)
    clock.advance(4 * MINUTE)
    assert _in(client, org)
    clock.advance(5 * MINUTE)
    assert not _in(client, org)


def test_a_policy_change_reaches_open_sessions(clock: Clock, nina: User, org: Organization) -> None:
    client = client_for(nina)
    policies.set_policy(org, by=None, session_idle_minutes=3)
    clock.advance(2 * MINUTE)
    assert _in(client, org)  # this request reads the new limits
    clock.advance(3 * MINUTE)
    assert not _in(client, org)


def test_api_requests_after_the_timeout_are_unauthenticated(
    clock: Clock, nina: User, org: Organization
) -> None:
    client = client_for(nina)
    clock.advance(16 * MINUTE)
    assert client.get(f"/api/organizations/{org.slug}").status_code == 401


def _two_sessions(user: User) -> tuple[Client, Client]:
    first, second = Client(), Client(REMOTE_ADDR="10.0.0.2")
    login(first, user.username)
    second.force_login(user)
    return first, second


def test_a_role_change_ends_every_session(nina: User, org: Organization) -> None:
    clients = _two_sessions(nina)
    change_role(member_of(org, "nina"), Role.AUDITOR, by=None)
    assert not any(_in(c, org) for c in clients)


def test_disabling_the_account_ends_every_session(nina: User, org: Organization) -> None:
    clients = _two_sessions(nina)
    recovery.set_active(nina, False)
    assert not any(_in(c, org) for c in clients)
    assert not Session.objects.exists()


def test_an_mfa_reset_ends_every_session(nina: User, org: Organization) -> None:
    clients = _two_sessions(nina)
    assert recovery.reset_mfa(nina) == 1
    assert not any(_in(c, org) for c in clients)


def test_an_owner_ends_a_members_sessions(
    nina: User, org: Organization, make_member: Callable[..., User]
) -> None:
    clients = _two_sessions(nina)
    owner = client_for(make_member(org, Role.OWNER))
    url = reverse("member-sessions-end", args=[org.slug, "nina"])
    assert owner.post(url).status_code == 302
    assert not any(_in(c, org) for c in clients)
    assert _in(owner, org)
    people = owner.get(reverse("members", args=[org.slug]))
    assert url.encode() in people.content  # the button on the People page


def test_a_person_sees_and_ends_their_other_sessions(nina: User, org: Organization) -> None:
    mine, other = Client(), Client(REMOTE_ADDR="10.0.0.9")
    login(mine, nina.username)
    other.force_login(nina)
    from allauth.usersessions.models import UserSession

    assert UserSession.objects.filter(user=nina).count() == 1  # the real login is tracked
    page = mine.get(reverse("usersessions_list"))
    assert b"This session" in page.content
    assert mine.post(reverse("usersessions_list")).status_code == 302
    assert _in(mine, org)


def test_changing_mfa_asks_for_the_password_again(nina: User) -> None:
    client = Client()
    login(client, nina.username)
    url = reverse("mfa_deactivate_totp")
    assert client.get(url)["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(url).status_code == 200
    # Five minutes later it asks again.
    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] -= 301
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()
    assert client.get(url)["Location"].startswith(reverse("account_reauthenticate"))


def test_changing_the_password_asks_for_the_current_one(nina: User) -> None:
    client = Client()
    login(client, nina.username)
    url = reverse("account_change_password")
    assert b'name="oldpassword"' in client.get(url).content
    new = "a brand new passphrase 77"
    refused = client.post(url, {"oldpassword": "wrong", "password1": new, "password2": new})
    assert refused.status_code == 200
    nina.refresh_from_db()
    assert nina.check_password(PASSWORD)
