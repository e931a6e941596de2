"""Fixtures for the API token tests: members, tokens and a captured audit log."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from phiward.core import auditing
from phiward.core.auditing import AuditEvent
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.tokens.lifecycle import create_token
from phiward.tokens.models import ApiToken

MakeToken = Callable[..., tuple[ApiToken, str]]


@pytest.fixture
def audit_events(monkeypatch: pytest.MonkeyPatch) -> list[AuditEvent]:
    """Every event recorded while the test runs (the real recorder is set aside)."""
    events: list[AuditEvent] = []
    monkeypatch.setattr(auditing, "_recorder", events.append)
    return events


@pytest.fixture
def owner(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.OWNER, username="olga")


@pytest.fixture
def make_token() -> MakeToken:
    def make(
        org: Organization, user: User, role: Role | None = None, days: int | None = None
    ) -> tuple[ApiToken, str]:
        return create_token(org, creator=user, name="automation", role=role, days=days)

    return make


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
