"""The ``sessions-purge`` job: delete expired login sessions (what ``django-admin
clearsessions`` does by hand) and the session records allauth keeps for sessions that are gone.

Expired sessions no longer log anyone in, but their rows keep the signed-in user's id and
session data until purged; allauth's records keep the address and browser of each.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction

from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.jobs.registry import Job

DB_ENGINE = "django.contrib.sessions.backends.db"


def purge_expired_sessions(now: dt.datetime) -> str:
    if settings.SESSION_ENGINE != DB_ENGINE:
        # Other engines expire sessions themselves (cache, signed cookies) or clear by file.
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        return f"expired sessions cleared by {settings.SESSION_ENGINE}"
    with transaction.atomic():
        expired, _ = Session.objects.filter(expire_date__lte=now).delete()
        live = Session.objects.values("session_key")
        tracked, _ = UserSession.objects.exclude(session_key__in=live).delete()
        if expired or tracked:
            record(
                AuditEvent(
                    action=AuditAction.DELETE,
                    object_type="sessions.session",
                    summary=(
                        f"{expired} expired session(s) and {tracked} record(s) of ended "
                        "sessions purged"
                    ),
                    changes={"expired_sessions": expired, "session_records": tracked},
                )
            )
    if not (expired or tracked):
        return "no expired sessions"
    return f"purged {expired} expired session(s) and {tracked} record(s) of ended sessions"


JOBS = [
    Job(
        name="sessions-purge",
        interval=dt.timedelta(hours=1),
        function=purge_expired_sessions,
        description="Delete expired login sessions and allauth's records of ended ones.",
    )
]
