"""Idle timeout, absolute lifetime, and every session ending when access changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from phiward.accounts import policies, recovery
from phiward.core.auditing import AuditEvent
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


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(
    nina: User, org: Organization, audit_log: list[AuditEvent]
) -> None:
    mine, other = _two_sessions(nina)
    other_key = other.session.session_key
    new = "a brand new passphrase 77"
    url = reverse("account_change_password")
    changed = mine.post(url, {"oldpassword": PASSWORD, "password1": new, "password2": new})
    assert changed.status_code == 302
    assert _in(mine, org)
    assert not Session.objects.filter(session_key=other_key).exists()  # ended, not just stale
    assert not _in(other, org)
    from allauth.usersessions.models import UserSession

    assert [s.session_key for s in UserSession.objects.filter(user=nina)] == [
        mine.session.session_key
    ]
    [event] = [e for e in audit_log if "changed their password" in e.summary]
    assert "1 other session(s) ended" in event.summary


def _logins(user: User, count: int) -> list[Client]:
    """Real logins (password, then a recovery code each: a TOTP code works only once)."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes.activate(user).get_unused_codes()
    clients = []
    for n in range(count):
        client = Client(REMOTE_ADDR=f"10.0.1.{n + 1}")
        login(client, user.username, codes[n])
        clients.append(client)
    return clients


def test_a_sixth_login_ends_the_oldest_of_five_sessions(
    nina: User, org: Organization, settings: Settings, audit_log: list[AuditEvent]
) -> None:
    from allauth.usersessions.models import UserSession

    assert settings.PHIWARD_MAX_SESSIONS == 5  # the default
    clients = _logins(nina, 6)
    assert [_in(c, org) for c in clients] == [False, True, True, True, True, True]
    assert UserSession.objects.filter(user=nina).count() == 5
    [event] = [e for e in audit_log if "session(s) open" in e.summary]
    assert event.summary == "nina logged in with 5 session(s) open: the oldest 1 ended"
    assert event.organization_id == org.pk


def test_sessions_already_past_their_idle_timeout_go_first(
    clock: Clock, nina: User, org: Organization, settings: Settings
) -> None:
    settings.PHIWARD_MAX_SESSIONS = 2
    [oldest] = _logins(nina, 1)
    clock.advance(1 * MINUTE)
    [idle] = _logins_after(nina, 1, skip=1)
    clock.advance(10 * MINUTE)
    assert _in(oldest, org)  # the oldest is in use; the other sits idle
    clock.advance(6 * MINUTE)
    [newest] = _logins_after(nina, 1, skip=2)
    assert _in(oldest, org) and _in(newest, org)
    assert not _in(idle, org)


def _logins_after(user: User, count: int, skip: int) -> list[Client]:
    """More real logins with the recovery codes after the first ``skip``."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    found = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    codes = RecoveryCodes(found).get_unused_codes()
    clients = []
    for n in range(count):
        client = Client(REMOTE_ADDR=f"10.0.2.{skip + n}")
        login(client, user.username, codes[n])
        clients.append(client)
    return clients


def test_the_limit_is_read_from_the_environment(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    probe = "import django; django.setup(); from django.conf import settings; "
    probe += "print(settings.PHIWARD_MAX_SESSIONS)"
    env = {**os.environ, "PHIWARD_DATA_DIR": str(tmp_path)}
    env["DJANGO_SETTINGS_MODULE"] = "phiward.config.settings"
    run = subprocess.run(
        [sys.executable, "-c", probe],
        env={**env, "PHIWARD_MAX_SESSIONS": "3"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert run.stdout.strip().splitlines()[-1] == "3"
    refused = subprocess.run(
        [sys.executable, "-c", probe],
        env={**env, "PHIWARD_MAX_SESSIONS": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode != 0
    assert "PHIWARD_MAX_SESSIONS must be a whole number, 1 or more" in refused.stderr
