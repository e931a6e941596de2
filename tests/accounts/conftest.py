"""Logging in for real: password, then a TOTP code computed here (RFC 6238), as a person would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from phiward.accounts import sessions
from phiward.core import auditing
from phiward.core.auditing import AuditEvent
from tests.conftest import PASSWORD, TOTP_SECRET


def totp(secret: str, at: float | None = None, period: int = 30) -> str:
    """RFC 6238 with SHA-1 and 6 digits, written independently of allauth."""
    counter = int((time.time() if at is None else at) // period)
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def password_step(client: Client, username: str, password: str = PASSWORD) -> object:
    return client.post(reverse("login"), {"login": username, "password": password})


def login(client: Client, username: str, code: str | None = None) -> None:
    """Password, then the TOTP code (the current one unless given)."""
    first = password_step(client, username)
    assert first.status_code == 302, first.content[:500]
    assert first["Location"] == reverse("mfa_authenticate")
    second = client.post(reverse("mfa_authenticate"), {"code": code or totp(TOTP_SECRET)})
    assert second.status_code == 302, second.content[:500]


class Clock:
    """Moves ``phiward.accounts.sessions.clock`` (what the session middleware reads)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(sessions, "clock", moved)
    return moved


@pytest.fixture
def audit_log() -> Iterator[list[AuditEvent]]:
    """The events recorded during the test."""
    events: list[AuditEvent] = []
    before = auditing._recorder
    auditing.install(events.append)
    yield events
    auditing._recorder = before


@pytest.fixture
def unenrolled() -> Callable[[User], User]:
    def strip(user: User) -> User:
        from allauth.mfa.models import Authenticator

        Authenticator.objects.filter(user=user).delete()
        return user

    return strip
