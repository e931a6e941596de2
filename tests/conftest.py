"""Shared fixtures: organizations, users and members in each role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import Settings

from phiward.core.models import Membership, Organization
from phiward.core.permissions import Role

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Settings) -> None:
    """Members are created with passwords; a cheap hasher keeps hundreds of tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
