"""The account API: own sessions, ending a member's sessions, the account policy, API tokens."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from phiward.accounts import sessions
from phiward.audit.models import AuditEntry
from phiward.core.auditing import AuditAction
from phiward.core.models import Membership, Organization
from phiward.core.permissions import Role
from phiward.tokens.lifecycle import create_token
from phiward.tokens.models import ApiToken
from phiward.tokens.secret import digest
from tests.accounts.conftest import login
from tests.api.sample import API, send
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SESSIONS = "/api/account/sessions"


@pytest.fixture
def owner(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.OWNER, username="olga")


@pytest.fixture
def nina(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.SECURITY_OFFICER, username="nina")


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _logged_in(client: Client, org: Organization) -> bool:
    """Whether ``client``'s session still works, in the web app and in the API."""
    page = client.get(f"/o/{org.slug}/")
    api = client.get(f"{API}/{org.slug}")
    assert (page.status_code == 200) == (api.status_code == 200), (page, api)
    return api.status_code == 200


def _browsers(user: User, count: int) -> list[Client]:
    """``count`` logins of ``user``, each from its own address and browser. The first logs in
    for real (password and TOTP); a TOTP code cannot be used twice, so the others are logged in
    directly and tracked as allauth tracks a login."""
    clients = []
    for n in range(count):
        client = Client(REMOTE_ADDR=f"10.0.0.{n + 1}", HTTP_USER_AGENT=f"Browser {n + 1}")
        if n == 0:
            login(client, user.get_username())
        else:
            client.force_login(user)
            UserSession.objects.create(
                user=user,
                session_key=client.session.session_key,
                ip=f"10.0.0.{n + 1}",
                user_agent=f"Browser {n + 1}",
            )
        clients.append(client)
    return clients


def _entries(org: Organization, **filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(organization_id=org.pk, **filters).order_by("seq"))


# --- own sessions -----------------------------------------------------------------------------


def test_a_person_lists_their_sessions_without_their_keys(nina: User, org: Organization) -> None:
    first, second = _browsers(nina, 2)
    listed = first.get(SESSIONS)
    assert listed.status_code == 200
    rows = listed.json()
    assert [(r["ip"], r["user_agent"], r["current"]) for r in rows] == [
        ("10.0.0.1", "Browser 1", True),
        ("10.0.0.2", "Browser 2", False),
    ]
    keys = list(UserSession.objects.filter(user=nina).values_list("session_key", flat=True))
    assert len(keys) == 2
    for key in keys:
        assert key not in listed.content.decode()
    assert len({r["id"] for r in rows}) == 2
    assert all(len(r["id"]) == 32 for r in rows)
    assert all(r["last_seen_at"] >= r["created_at"][:19] for r in rows)
    # The other browser sees the same sessions, with itself as the current one.
    assert [r["current"] for r in second.get(SESSIONS).json()] == [False, True]


def test_ending_one_session_logs_that_browser_out(nina: User, org: Organization) -> None:
    first, second = _browsers(nina, 2)
    other = next(r for r in first.get(SESSIONS).json() if not r["current"])
    assert first.delete(f"{SESSIONS}/{other['id']}").status_code == 204
    assert not _logged_in(second, org)
    assert _logged_in(first, org)
    assert [r["current"] for r in first.get(SESSIONS).json()] == [True]
    assert first.delete(f"{SESSIONS}/{other['id']}").status_code == 404  # already ended
    ended = _entries(org, action=AuditAction.LOGOUT, source="api")
    assert [e.summary for e in ended] == ["nina ended one of their sessions"]


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the session clock on, so the next request writes its activity to the session."""
    start = time.time()
    monkeypatch.setattr(sessions, "clock", lambda: start + seconds)


def test_ending_the_current_session_logs_out(
    nina: User, org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    (client,) = _browsers(nina, 1)
    (mine,) = client.get(SESSIONS).json()
    _later(monkeypatch, 120)  # the request updates the very session it ends
    response = client.delete(f"{SESSIONS}/{mine['id']}")
    assert response.status_code == 204
    assert response.cookies["sessionid"].value == ""  # the browser is told to forget it
    assert client.get(SESSIONS).status_code == 401
    assert not Session.objects.exists()


def test_nobody_ends_someone_elses_session_by_its_id(
    nina: User, owner: User, org: Organization
) -> None:
    (mine,) = _browsers(nina, 1)
    handle = mine.get(SESSIONS).json()[0]["id"]
    (theirs,) = _browsers(owner, 1)
    response = theirs.delete(f"{SESSIONS}/{handle}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert _logged_in(mine, org)
    assert theirs.delete(f"{SESSIONS}/{'0' * 32}").status_code == 404
    assert theirs.delete(f"{SESSIONS}/é").status_code == 404  # not ASCII: still just unknown


def test_ending_the_other_sessions_keeps_this_one(nina: User, org: Organization) -> None:
    mine, *others = _browsers(nina, 3)
    untracked = client_for(nina)  # a session allauth never saw is found and ended too
    response = mine.post(SESSIONS + "/end-others")
    assert response.status_code == 200
    assert response.json() == {"ended": 3}
    assert not any(_logged_in(c, org) for c in [*others, untracked])
    assert _logged_in(mine, org)
    (entry,) = _entries(org, action=AuditAction.LOGOUT, source="api")
    assert entry.summary == "nina ended 3 other session(s)"
    assert entry.actor == "nina"


def test_an_api_token_sees_and_ends_its_creators_sessions(nina: User, org: Organization) -> None:
    browser, second = _browsers(nina, 2)
    _, secret = create_token(org, creator=nina, name="automation")
    # The token's "own" sessions are its creator's; the token is none of them.
    listed = Client().get(SESSIONS, **bearer(secret))
    assert listed.status_code == 200
    assert [r["current"] for r in listed.json()] == [False, False]
    ended = Client().post(SESSIONS + "/end-others", **bearer(secret))
    assert ended.json() == {"ended": 2}
    assert not _logged_in(browser, org)
    assert not _logged_in(second, org)
    assert Client().get(SESSIONS, **bearer(secret)).json() == []


# --- an owner ends a member's sessions ---------------------------------------------------------


def _end_member(client: Client, org: Organization, username: str, **extra: Any) -> Any:
    return client.post(f"{API}/{org.slug}/members/{username}/sessions/end", **extra)


def test_an_owner_ends_a_members_sessions(nina: User, owner: User, org: Organization) -> None:
    browsers = _browsers(nina, 2)
    boss = client_for(owner)
    response = _end_member(boss, org, "nina")
    assert response.status_code == 200
    assert response.json() == {"ended": 2}
    assert not any(_logged_in(c, org) for c in browsers)
    assert _logged_in(boss, org)
    (entry,) = _entries(org, action=AuditAction.ADMIN, source="api")
    assert entry.summary == "ended 2 session(s) of nina"
    assert (entry.actor, entry.object_type, entry.object_id) == ("olga", "auth.user", str(nina.pk))


def test_only_owners_end_a_members_sessions(
    nina: User, org: Organization, make_member: Callable[..., User]
) -> None:
    (browser,) = _browsers(nina, 1)
    officer = client_for(make_member(org, Role.SECURITY_OFFICER, username="sam"))
    refused = _end_member(officer, org, "nina")
    assert refused.status_code == 403
    assert _logged_in(browser, org)
    assert not _entries(org, action=AuditAction.ADMIN)


def test_ending_the_sessions_of_someone_outside_the_organization_is_404(
    owner: User, org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    stranger = make_member(other_org, Role.OWNER, username="stranger")
    (browser,) = _browsers(stranger, 1)
    assert _end_member(client_for(owner), org, "stranger").status_code == 404
    assert _logged_in(browser, other_org)


def test_an_owner_ending_their_own_sessions_is_logged_out_cleanly(
    owner: User, org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    (boss,) = _browsers(owner, 1)
    _later(monkeypatch, 120)
    response = _end_member(boss, org, "olga")
    assert response.status_code == 200 and response.json() == {"ended": 1}
    assert response.cookies["sessionid"].value == ""
    assert not _logged_in(boss, org)


# --- the account policy -----------------------------------------------------------------------


def _policy_url(org: Organization) -> str:
    return f"{API}/{org.slug}/account-policy"


def _policy(org: Organization) -> tuple[bool, int, int]:
    org.refresh_from_db()
    return (org.workforce_mfa_required, org.session_idle_minutes, org.session_lifetime_hours)


def test_members_read_the_policy(org: Organization, make_member: Callable[..., User]) -> None:
    worker = client_for(make_member(org, Role.WORKFORCE))
    response = worker.get(_policy_url(org))
    assert response.status_code == 200
    assert response.json() == {
        "workforce_mfa_required": True,
        "session_idle_minutes": 15,
        "session_lifetime_hours": 12,
    }


def test_an_owner_changes_the_policy_and_it_is_audited(owner: User, org: Organization) -> None:
    client = client_for(owner)
    body = {"workforce_mfa_required": False, "session_idle_minutes": 10}
    response = send(client, "PATCH", _policy_url(org), body)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "workforce_mfa_required": False,
        "session_idle_minutes": 10,
        "session_lifetime_hours": 12,
    }
    assert _policy(org) == (False, 10, 12)
    # The policy's own record (automatic change tracking adds the organization's save).
    (entry,) = _entries(org, action=AuditAction.ADMIN, object_type="core.organization")
    assert (entry.actor, entry.source) == ("olga", "api")
    assert entry.changes == {
        "session_idle_minutes": {"before": 15, "after": 10},
        "workforce_mfa_required": {"before": True, "after": False},
    }


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"session_idle_minutes": 0}, ["session_idle_minutes"]),
        ({"session_idle_minutes": 241}, ["session_idle_minutes"]),
        ({"session_idle_minutes": 10, "session_lifetime_hours": 25}, ["session_lifetime_hours"]),
        ({"session_idle_minutes": -1, "session_lifetime_hours": 0}, None),
        ({"session_lifetime_hours": "long"}, ["session_lifetime_hours"]),
        ({"workforce_mfa_required": None}, ["workforce_mfa_required"]),
    ],
)
def test_a_bad_policy_names_the_field_and_changes_nothing(
    owner: User, org: Organization, body: dict[str, Any], fields: list[str] | None
) -> None:
    client = client_for(owner)
    before = _policy(org)
    entries_before = AuditEntry.objects.count()
    response = send(client, "PATCH", _policy_url(org), body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert sorted(errors) == (fields or sorted(body))
    assert _policy(org) == before
    assert AuditEntry.objects.count() == entries_before


def test_only_owners_change_the_policy(org: Organization, nina: User) -> None:
    response = send(client_for(nina), "PATCH", _policy_url(org), {"session_idle_minutes": 5})
    assert response.status_code == 403
    assert _policy(org) == (True, 15, 12)


def test_turning_workforce_mfa_back_on_ends_unenrolled_workforce_sessions(
    owner: User, org: Organization, make_member: Callable[..., User]
) -> None:
    from allauth.mfa.models import Authenticator

    worker = make_member(org, Role.WORKFORCE, username="wes")
    send(client_for(owner), "PATCH", _policy_url(org), {"workforce_mfa_required": False})
    Authenticator.objects.filter(user=worker).delete()
    browser = client_for(worker)
    assert _logged_in(browser, org)
    send(client_for(owner), "PATCH", _policy_url(org), {"workforce_mfa_required": True})
    assert browser.get(f"{API}/{org.slug}").status_code == 401


# --- API tokens -------------------------------------------------------------------------------


def _tokens_url(org: Organization) -> str:
    return f"{API}/{org.slug}/tokens"


def _create(client: Client, org: Organization, **body: Any) -> Any:
    return send(client, "POST", _tokens_url(org), {"name": "nightly export", **body})


def test_the_secret_is_shown_once_and_works(nina: User, org: Organization) -> None:
    client = client_for(nina)
    created = _create(client, org)
    assert created.status_code == 201, created.content
    assert created["Cache-Control"] == "no-store"
    made = created.json()
    secret = made["secret"]
    assert secret.startswith(made["prefix"])
    assert (made["user"], made["role"], made["state"]) == ("nina", "security_officer", "active")
    token = ApiToken.objects.get(pk=made["id"])
    assert token.secret_hash == digest(secret)  # stored as a digest only
    # The secret works, and no answer holds it (or its digest) again.
    assert Client().get(f"{API}/{org.slug}", **bearer(secret)).status_code == 200
    listed = client.get(_tokens_url(org))
    assert [t["id"] for t in listed.json()] == [made["id"]]
    assert "secret" not in listed.json()[0]
    for text in (secret, token.secret_hash):
        assert text not in listed.content.decode()


def test_a_token_cannot_create_a_token(owner: User, org: Organization) -> None:
    _, secret = create_token(org, creator=owner, name="automation")
    response = Client().post(
        _tokens_url(org), {"name": "child"}, content_type="application/json", **bearer(secret)
    )
    assert response.status_code == 403
    assert "API token cannot create API tokens" in response.json()["detail"]
    assert ApiToken.objects.count() == 1


def test_a_tokens_role_may_not_exceed_its_creators(nina: User, org: Organization) -> None:
    response = _create(client_for(nina), org, role="owner")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["role"]
    assert not ApiToken.objects.exists()
    lower = _create(client_for(nina), org, role="privacy_officer")
    assert lower.status_code == 201 and lower.json()["role"] == "privacy_officer"


def test_expiry_defaults_to_90_days_and_has_a_maximum(
    nina: User, org: Organization, settings: Settings
) -> None:
    client = client_for(nina)
    made = _create(client, org).json()
    lifetime = dt.datetime.fromisoformat(made["expires_at"]) - timezone.now()
    assert dt.timedelta(days=89, hours=23) < lifetime <= dt.timedelta(days=90)
    settings.PHIWARD_TOKEN_MAX_DAYS = 30
    too_long = _create(client, org, days=31)
    assert too_long.status_code == 422
    assert "30 days" in too_long.json()["errors"]["days"][0]
    assert _create(client, org, days=0).status_code == 422
    assert ApiToken.objects.count() == 1
    capped = _create(client, org).json()  # the default never exceeds the maximum
    lifetime = dt.datetime.fromisoformat(capped["expires_at"]) - timezone.now()
    assert dt.timedelta(days=29, hours=23) < lifetime <= dt.timedelta(days=30)


def test_workforce_members_hold_no_tokens(
    org: Organization, make_member: Callable[..., User]
) -> None:
    worker = client_for(make_member(org, Role.WORKFORCE))
    assert _create(worker, org).status_code == 403
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_refused_with_401(nina: User, org: Organization) -> None:
    client = client_for(nina)
    made = _create(client, org).json()
    revoked = client.post(f"{_tokens_url(org)}/{made['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked"
    assert revoked.json()["revoked_by"] == "nina"
    refused = Client().get(f"{API}/{org.slug}", **bearer(made["secret"]))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    again = client.post(f"{_tokens_url(org)}/{made['id']}/revoke")
    assert again.status_code == 200  # revoking twice changes nothing
    changes = _entries(org, object_type="tokens.apitoken", object_id=str(made["id"]))
    # Made, revoked, and the refused use of the known token.
    assert [e.action for e in changes] == ["create", "change", "login_failed"]


def test_members_see_and_revoke_only_their_own_tokens(
    nina: User, owner: User, org: Organization, make_member: Callable[..., User]
) -> None:
    theirs, _ = create_token(org, creator=owner, name="owner's")
    mine, _ = create_token(org, creator=nina, name="nina's")
    client = client_for(nina)
    assert [t["id"] for t in client.get(_tokens_url(org)).json()] == [mine.pk]
    refused = client.post(f"{_tokens_url(org)}/{theirs.pk}/revoke")
    assert refused.status_code == 403
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    # Owners see and revoke everyone's.
    boss = client_for(owner)
    assert {t["id"] for t in boss.get(_tokens_url(org)).json()} == {mine.pk, theirs.pk}
    assert boss.post(f"{_tokens_url(org)}/{mine.pk}/revoke").json()["revoked_by"] == "olga"


def test_a_tokens_own_role_caps_what_it_sees_and_revokes(
    nina: User, owner: User, org: Organization
) -> None:
    others, _ = create_token(org, creator=nina, name="nina's")
    auditor, secret = create_token(org, creator=owner, name="read only", role=Role.AUDITOR)
    listed = Client().get(_tokens_url(org), **bearer(secret))
    assert [t["id"] for t in listed.json()] == [auditor.pk]  # not nina's, though olga owns
    refused = Client().post(f"{_tokens_url(org)}/{others.pk}/revoke", **bearer(secret))
    assert refused.status_code == 403
    others.refresh_from_db()
    assert others.revoked_at is None


def test_tokens_of_another_organization_are_not_found(
    owner: User, org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    stranger = make_member(other_org, Role.OWNER, username="stranger")
    foreign, _ = create_token(other_org, creator=stranger, name="theirs")
    Membership.objects.create(user=owner, organization=other_org, role=Role.AUDITOR)
    response = client_for(owner).post(f"{_tokens_url(org)}/{foreign.pk}/revoke")
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
