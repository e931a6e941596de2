"""Shared fixtures: organizations, users and members in each role."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import Settings

from phiward.core.models import Membership, Organization
from phiward.core.permissions import Role

PASSWORD = "correct horse battery staple 42"

# The suite's keys are test-environment keys, distinct from development and production ones.
os.environ["PHIWARD_ENVIRONMENT"] = "test"


@pytest.fixture(autouse=True, scope="session")
def _test_key_ring() -> None:
    """Encrypted fields need a key ring: the test environment's own, in the test data dir."""
    from django.conf import settings as django_settings

    from phiward.crypto.service import create_test_key_ring

    create_test_key_ring(Path(django_settings.DATA_DIR))


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Settings) -> None:
    """Members are created with passwords; a cheap hasher keeps hundreds of tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The secret of the authenticator app every test user gets (tests/accounts computes its codes).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrolled_member(org: Organization, role: Role, username: str | None = None) -> User:
    """A member made outside any test (module-scoped data, so without the fixtures below),
    enrolled in MFA as ``make_member``'s members are."""
    from allauth.mfa.models import Authenticator

    user = User.objects.create_user(
        username=username or f"{role.value}-{org.slug}", password=PASSWORD
    )
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
    )
    Membership.objects.create(user=user, organization=org, role=role)
    return user


@pytest.fixture(autouse=True)
def _mfa_enrolled_users() -> Iterator[None]:
    """Every user a test creates has an authenticator app, as if they had enrolled: phiward
    requires MFA, and pages would otherwise send them to enrol (tests/accounts overrides this
    fixture to see people before enrolment)."""
    from allauth.mfa.models import Authenticator
    from django.db.models.signals import post_save

    def enrol(sender: type[User], instance: User, created: bool, **kwargs: object) -> None:
        if created and not kwargs.get("raw"):
            Authenticator.objects.create(
                user=instance, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
            )

    post_save.connect(enrol, sender=User, dispatch_uid="tests.mfa_enrolled_users")
    yield
    post_save.disconnect(sender=User, dispatch_uid="tests.mfa_enrolled_users")


@pytest.fixture
def make_org(db: None) -> Callable[..., Organization]:
    counter = iter(range(1, 10_000))

    def make(slug: str | None = None, name: str | None = None) -> Organization:
        n = next(counter)
        return Organization.objects.create(
            slug=slug or f"org-{n}", name=name or f"Organization {n}"
        )

    return make


@pytest.fixture
def make_member(db: None) -> Callable[..., User]:
    def make(
        org: Organization, role: Role = Role.SECURITY_OFFICER, username: str | None = None
    ) -> User:
        name = username or f"{role.value}-{org.slug}"
        user = User.objects.create_user(username=name, password=PASSWORD)
        Membership.objects.create(user=user, organization=org, role=role)
        return user

    return make


@pytest.fixture
def org(make_org: Callable[..., Organization]) -> Organization:
    return make_org("clinic-a", "Clinic A")


@pytest.fixture
def other_org(make_org: Callable[..., Organization]) -> Organization:
    return make_org("clinic-b", "Clinic B")


@pytest.fixture
def officer(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.SECURITY_OFFICER)


@pytest.fixture
def officer_client(officer: User) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
