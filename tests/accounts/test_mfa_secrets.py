"""Second-factor secrets are sealed at rest; secrets stored before that keep working."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import User
from django.test import Client

from phiward.accounts.adapter import MfaAdapter
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.crypto import service
from phiward.crypto.bindings import MFA_SECRET
from phiward.crypto.envelope import Binding, DecryptionFailed
from tests.accounts.conftest import login, totp
from tests.conftest import TOTP_SECRET

pytestmark = pytest.mark.django_db

SECRET = "KRUGS4ZAMFZCA43FMNZGK5BAMNXWIZJA"


@pytest.fixture
def omar(
    org: Organization, make_member: Callable[..., User], unenrolled: Callable[[User], User]
) -> User:
    return unenrolled(make_member(org, Role.SECURITY_OFFICER, username="omar"))


def test_an_enrolled_totp_secret_is_stored_sealed_and_logs_in(omar: User) -> None:
    TOTP.activate(omar, SECRET)
    stored = Authenticator.objects.get(user=omar, type=Authenticator.Type.TOTP).data["secret"]
    assert stored.startswith("pw1.")
    assert SECRET not in stored
    client = Client()
    login(client, omar.username, totp(SECRET))
    assert client.session["_auth_user_id"] == str(omar.pk)


def test_a_wrong_code_for_a_sealed_secret_is_refused(omar: User) -> None:
    TOTP.activate(omar, SECRET)
    authenticator = Authenticator.objects.get(user=omar, type=Authenticator.Type.TOTP)
    assert not TOTP(authenticator).validate_code(totp(TOTP_SECRET))
    assert TOTP(authenticator).validate_code(totp(SECRET))


def test_recovery_codes_are_generated_from_a_sealed_seed(omar: User) -> None:
    TOTP.activate(omar, SECRET)
    codes = RecoveryCodes.activate(omar).get_unused_codes()
    seed = Authenticator.objects.get(user=omar, type="recovery_codes").data["seed"]
    assert seed.startswith("pw1.")
    login(Client(), omar.username, codes[0])


def test_a_plaintext_secret_from_before_sealing_still_verifies(omar: User) -> None:
    Authenticator.objects.create(
        user=omar, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
    )
    client = Client()
    login(client, omar.username, totp(TOTP_SECRET))
    assert client.session["_auth_user_id"] == str(omar.pk)


def test_a_secret_sealed_for_another_place_does_not_open() -> None:
    elsewhere = Binding(0, "mfa_authenticator", "data", "someone-else")
    with pytest.raises(DecryptionFailed):
        MfaAdapter().decrypt(service.seal_value(SECRET, elsewhere))
    assert MfaAdapter().decrypt(service.seal_value(SECRET, MFA_SECRET)) == SECRET
