"""Bearer tokens in the API: 401 vs 403 vs 404, the role caps, CSRF, and what a token sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from phiward.core.members import change_role, member_of
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.inventory.models import Zone
from phiward.tokens.lifecycle import revoke_token
from phiward.tokens.models import ApiToken
from tests.api.sample import API
from tests.tokens.conftest import MakeToken, bearer

pytestmark = pytest.mark.django_db

ZONE = {"name": "Guest Wi-Fi", "kind": "guest"}


def _csrf_enforcing() -> Client:
    return Client(enforce_csrf_checks=True)


def test_a_token_works_without_a_session_or_csrf_token(
    org: Organization, owner: User, make_token: MakeToken
) -> None:
    _, secret = make_token(org, owner)
    client = _csrf_enforcing()
    created = client.post(
        f"{API}/{org.slug}/zones", ZONE, content_type="application/json", **bearer(secret)
    )
    assert created.status_code == 201, created.content
    assert Zone.objects.for_org(org).count() == 1
    listed = client.get(f"{API}/{org.slug}/zones", **bearer(secret))
    assert listed.status_code == 200 and listed.json()["count"] == 1


def test_a_session_still_needs_the_csrf_token(org: Organization, owner: User) -> None:
    client = _csrf_enforcing()
    client.force_login(owner)
    refused = client.post(f"{API}/{org.slug}/zones", ZONE, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Zone.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer pw_" + "x" * 43,  # well formed, unknown
        "Bearer not-a-token",
        "Bearer ",
        "bearer pw_" + "y" * 43,
    ],
)
def test_unknown_or_malformed_tokens_get_401(org: Organization, owner: User, header: str) -> None:
    client = Client()
    client.force_login(owner)  # a session does not rescue a bad bearer header
    response = client.get(f"{API}/{org.slug}", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_no_credentials_at_all_get_401(org: Organization) -> None:
    assert Client().get(f"{API}/{org.slug}").status_code == 401


def test_expired_and_revoked_tokens_get_401(
    org: Organization, owner: User, make_token: MakeToken
) -> None:
    expired, expired_secret = make_token(org, owner, days=1)
    ApiToken.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3),
        expires_at=timezone.now() - dt.timedelta(days=2),
    )
    response = Client().get(f"{API}/{org.slug}", **bearer(expired_secret))
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    revoked, revoked_secret = make_token(org, owner)
    revoke_token(revoked, by=owner)
    response = Client().get(f"{API}/{org.slug}", **bearer(revoked_secret))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_a_token_used_against_another_organization_gets_404(
    org: Organization, other_org: Organization, owner: User, make_token: MakeToken
) -> None:
    from phiward.core.models import Membership

    Membership.objects.create(user=owner, organization=other_org, role=Role.OWNER)
    _, secret = make_token(org, owner)
    # The creator owns both organizations; the token still knows only its own.
    assert Client().get(f"{API}/{other_org.slug}", **bearer(secret)).status_code == 404
    assert Client().get(f"{API}/{other_org.slug}/zones", **bearer(secret)).status_code == 404
    listed = Client().get(API, **bearer(secret))
    assert [o["slug"] for o in listed.json()] == [org.slug]


def test_a_token_creates_no_organizations(
    org: Organization, owner: User, make_token: MakeToken
) -> None:
    _, secret = make_token(org, owner)
    body = {"slug": "new-clinic", "name": "New Clinic"}
    response = Client().post(API, body, content_type="application/json", **bearer(secret))
    assert response.status_code == 403
    assert not Organization.objects.filter(slug="new-clinic").exists()


def test_a_token_acts_with_its_own_role(
    org: Organization, owner: User, make_token: MakeToken
) -> None:
    _, secret = make_token(org, owner, role=Role.AUDITOR)
    client = Client()
    assert client.get(f"{API}/{org.slug}/zones", **bearer(secret)).status_code == 200
    refused = client.post(
        f"{API}/{org.slug}/zones", ZONE, content_type="application/json", **bearer(secret)
    )
    assert refused.status_code == 403
    assert "token" in refused.json()["detail"]


def test_a_demoted_creator_takes_the_tokens_power_down(
    org: Organization, owner: User, make_member: Callable[..., User], make_token: MakeToken
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    _, secret = make_token(org, officer)
    client = Client()
    path = f"{API}/{org.slug}/zones"
    ok = client.post(path, ZONE, content_type="application/json", **bearer(secret))
    assert ok.status_code == 201
    change_role(member_of(org, officer.username), Role.AUDITOR, by=owner)
    again = client.post(path, ZONE, content_type="application/json", **bearer(secret))
    assert again.status_code == 403
    assert client.get(path, **bearer(secret)).status_code == 200  # reading is still allowed
    change_role(member_of(org, officer.username), Role.WORKFORCE, by=owner)
    assert client.get(path, **bearer(secret)).status_code == 403


def test_a_removed_creators_token_stops_working(
    org: Organization, owner: User, make_member: Callable[..., User], make_token: MakeToken
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    _, secret = make_token(org, officer)
    client = Client()
    client.force_login(owner)
    removed = client.delete(f"{API}/{org.slug}/members/{officer.username}", HTTP_X_CSRFTOKEN="x")
    assert removed.status_code == 204
    assert Client().get(f"{API}/{org.slug}", **bearer(secret)).status_code == 401


def test_the_token_not_the_session_decides_who_acts(
    org: Organization, owner: User, make_member: Callable[..., User], make_token: MakeToken
) -> None:
    auditor = make_member(org, Role.AUDITOR)
    _, secret = make_token(org, auditor)
    client = Client()
    client.force_login(owner)  # the owner's browser session rides along
    refused = client.post(
        f"{API}/{org.slug}/zones", ZONE, content_type="application/json", **bearer(secret)
    )
    assert refused.status_code == 403
    assert not Zone.objects.exists()


def test_a_use_through_the_api_records_last_use(
    org: Organization, owner: User, make_token: MakeToken
) -> None:
    token, secret = make_token(org, owner)
    assert token.last_used_at is None
    Client().get(f"{API}/{org.slug}", **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_openapi_document_offers_bearer_tokens(db: None) -> None:
    document = Client().get("/api/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["ApiTokenAuth"].items()
