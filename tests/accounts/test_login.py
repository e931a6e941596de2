"""Password + second factor, TOTP replay, recovery codes, lockout and no user enumeration."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from phiward.accounts import delivery
from phiward.accounts.adapter import LOCKED_OUT
from phiward.accounts.recovery import unlock
from phiward.core.models import Organization
from phiward.core.permissions import Role
from tests.accounts.conftest import login, password_step, totp
from tests.conftest import TOTP_SECRET

pytestmark = pytest.mark.django_db

WRONG = "not the password at all 99"


@pytest.fixture
def nina(org: Organization, make_member: Callable[..., User]) -> User:
    user = make_member(org, Role.SECURITY_OFFICER, username="nina")
    user.email = "nina@example.org"
    user.save()
    return user


def _code_step(client: Client, code: str) -> object:
    return client.post(reverse("mfa_authenticate"), {"code": code})


def test_password_then_totp_logs_in_and_the_session_records_mfa(nina: User) -> None:
    client = Client()
    login(client, nina.username)
    assert client.get(reverse("home")).status_code == 302
    methods = [r["method"] for r in client.session["account_authentication_methods"]]
    assert methods == ["password", "mfa"]
    assert client.get(f"/o/{nina.memberships.get().organization.slug}/").status_code == 200


def test_a_password_alone_does_not_log_in(nina: User) -> None:
    client = Client()
    assert password_step(client, nina.username).status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/o/clinic-a/")["Location"].startswith(reverse("login"))


def test_a_totp_code_cannot_be_used_twice(nina: User) -> None:
    code = totp(TOTP_SECRET)
    first = Client()
    login(first, nina.username, code)
    second = Client()
    password_step(second, nina.username)
    response = _code_step(second, code)
    assert response.status_code == 200
    assert b"Incorrect code" in response.content
    assert "_auth_user_id" not in second.session


def test_a_recovery_code_works_once(nina: User) -> None:
    codes = RecoveryCodes.activate(nina).get_unused_codes()
    first = Client()
    login(first, nina.username, codes[0])
    second = Client()
    password_step(second, nina.username)
    assert b"Incorrect code" in _code_step(second, codes[0]).content
    assert _code_step(second, codes[1]).status_code == 302
    assert (
        len(
            RecoveryCodes(
                Authenticator.objects.get(user=nina, type="recovery_codes")
            ).get_unused_codes()
        )
        == 8
    )


def test_an_account_locks_after_five_failures_and_unlock_lifts_it(nina: User) -> None:
    client = Client()
    for _ in range(5):
        assert b"not correct" in password_step(client, nina.username, WRONG).content
    locked = password_step(client, nina.username)  # the right password, too late
    assert locked.status_code == 200
    assert LOCKED_OUT.encode() in locked.content.replace(b"&#x27;", b"'").replace(b"`", b"`")
    # Another address does not help: the lock is on the account.
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    assert password_step(elsewhere, nina.username).status_code == 200
    unlock(nina)
    assert password_step(elsewhere, nina.username).status_code == 302


def test_failed_codes_count_towards_the_lock(nina: User) -> None:
    client = Client()
    password_step(client, nina.username)
    for _ in range(5):
        assert b"Incorrect code" in _code_step(client, "000000").content
    assert b"Too many failed" in _code_step(client, totp(TOTP_SECRET)).content


def test_an_address_locks_after_twenty_failures(
    org: Organization, make_member: Callable[..., User], nina: User
) -> None:
    attacker = Client(REMOTE_ADDR="192.0.2.1")
    for n in range(20):
        password_step(attacker, f"guess-{n}", WRONG)
    assert password_step(attacker, nina.username).status_code == 200  # refused from there
    assert password_step(Client(REMOTE_ADDR="192.0.2.2"), nina.username).status_code == 302


def _page(response: object, typed: str) -> str:
    """The page without what differs by design: CSRF tokens and the name as typed."""
    text = response.content.decode()  # type: ignore[attr-defined]
    text = re.sub(r'"[A-Za-z0-9]{64}"', '"csrf"', text)
    return text.replace(f'value="{typed}"', 'value="typed"')


def test_login_answers_the_same_for_unknown_accounts(nina: User) -> None:
    known = password_step(Client(), "nina", WRONG)
    unknown = password_step(Client(), "ghost", WRONG)
    assert known.status_code == unknown.status_code == 200
    assert _page(known, "nina") == _page(unknown, "ghost")


def test_lockout_answers_the_same_for_unknown_accounts(nina: User) -> None:
    for name in ("nina", "ghost"):
        client = Client(REMOTE_ADDR=f"198.51.100.{len(name)}")
        for _ in range(5):
            password_step(client, name, WRONG)
        assert b"Too many failed" in password_step(client, name, WRONG).content


def test_password_reset_answers_the_same_for_unknown_addresses(nina: User) -> None:
    url = reverse("account_reset_password")
    known = Client().post(url, {"email": "nina@example.org"})
    unknown = Client().post(url, {"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    done_known = Client().get(known["Location"])
    done_unknown = Client().get(unknown["Location"])
    assert _page(done_known, "") == _page(done_unknown, "")
    # Only the real account gets a link; the unknown address gets nothing that names an account.
    assert delivery.wait(30)  # messages leave from a background thread
    assert [m.to for m in mail.outbox if "password" in m.body.lower() and "/key/" in m.body] == [
        ["nina@example.org"]
    ]


def test_there_is_no_sign_up() -> None:
    response = Client().post(
        reverse("account_signup"),
        {
            "username": "mallory",
            "password1": "a long new password 1",
            "password2": "a long new password 1",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="mallory").exists()


def test_passwords_hash_with_argon2_first() -> None:
    from phiward.accounts import config

    assert config.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
