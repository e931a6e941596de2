"""`phiward user ...` and `phiward org-policy`, run in-process."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client

from phiward.cli import main
from phiward.core.models import Organization
from phiward.core.permissions import Role
from tests.accounts.conftest import password_step
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def nina(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.SECURITY_OFFICER, username="nina")


def test_reset_password_prints_a_new_one_once_and_ends_sessions(
    nina: User, capsys: pytest.CaptureFixture[str]
) -> None:
    client_for(nina)
    main(["user", "reset-password", "nina"])
    printed = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    nina.refresh_from_db()
    assert nina.check_password(printed)
    assert not Session.objects.exists()


def test_unlock_lifts_the_failed_login_lock(nina: User) -> None:
    client = Client()
    for _ in range(6):
        password_step(client, "nina", "wrong password here 1")
    assert password_step(client, "nina").status_code == 200
    main(["user", "unlock", "nina"])
    assert password_step(client, "nina").status_code == 302


def test_reset_mfa_removes_the_authenticators(nina: User) -> None:
    main(["user", "reset-mfa", "nina"])
    assert not Authenticator.objects.filter(user=nina).exists()


def test_disable_and_enable(nina: User) -> None:
    client = client_for(nina)
    main(["user", "disable", "nina"])
    nina.refresh_from_db()
    assert not nina.is_active and not Session.objects.exists()
    assert client.get("/o/clinic-a/").status_code == 302
    main(["user", "enable", "nina"])
    nina.refresh_from_db()
    assert nina.is_active


def test_unknown_users_are_an_error(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["user", "unlock", "ghost"])
    assert exit_.value.code != 0
    assert "no user 'ghost'" in capsys.readouterr().err


def test_org_policy_shows_and_changes(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["org-policy", org.slug, "--workforce-mfa", "optional", "--idle-minutes", "10", "--json"])
    assert json.loads(capsys.readouterr().out) == {
        "workforce_mfa_required": False,
        "session_idle_minutes": 10,
        "session_lifetime_hours": 12,
    }
    org.refresh_from_db()
    assert not org.workforce_mfa_required
