"""The sessions-purge job: expired sessions and allauth's records of ended ones go."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from phiward.audit.models import AuditEntry
from phiward.core.models import Organization
from phiward.jobs import runner
from phiward.jobs.registry import Registry
from phiward.jobs.sessions import JOBS, purge_expired_sessions

pytestmark = pytest.mark.django_db


def session(user: User, expires: dt.datetime, tracked: bool = True) -> str:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=expires)
    if tracked:
        UserSession.objects.create(
            user=user, session_key=store.session_key, ip="192.0.2.1", user_agent="test"
        )
    assert store.session_key is not None
    return store.session_key


def test_expired_sessions_and_their_records_are_purged(
    org: Organization, make_member: Callable[..., User]
) -> None:
    user = make_member(org)
    now = timezone.now()
    live = session(user, now + dt.timedelta(hours=1))
    expired = session(user, now - dt.timedelta(minutes=1))
    untracked = session(user, now - dt.timedelta(days=2), tracked=False)
    ended = session(user, now + dt.timedelta(hours=1))
    Session.objects.filter(session_key=ended).delete()  # logged out: allauth's record remains
    before = AuditEntry.objects.count()

    summary = purge_expired_sessions(now)

    assert summary == "purged 2 expired session(s) and 2 record(s) of ended sessions"
    assert set(Session.objects.values_list("session_key", flat=True)) == {live}
    assert set(UserSession.objects.values_list("session_key", flat=True)) == {live}
    assert untracked and expired  # both were among the purged
    (entry,) = AuditEntry.objects.filter(seq__gte=before)
    assert entry.action == "delete" and entry.object_type == "sessions.session"
    assert entry.changes == {"expired_sessions": 2, "session_records": 2}
    assert str(user.pk) not in entry.summary

    assert purge_expired_sessions(now) == "no expired sessions"
    assert AuditEntry.objects.count() == before + 1  # nothing purged: nothing recorded


def test_run_as_a_scheduled_job(org: Organization, make_member: Callable[..., User]) -> None:
    user = make_member(org)
    session(user, timezone.now() - dt.timedelta(hours=1))
    (outcome,) = runner.run_due(Registry(JOBS))
    assert outcome.ok and outcome.text.startswith("purged 1 expired session(s)")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None and (entry.actor, entry.source) == ("job:sessions-purge", "system")
