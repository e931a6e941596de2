"""The API tokens page: create (the secret once, not cached), list, revoke; who sees what."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.tokens import secret as secrets
from phiward.tokens.models import ApiToken
from tests.conftest import client_for
from tests.tokens.conftest import MakeToken, bearer

pytestmark = pytest.mark.django_db


def _page(org: Organization) -> str:
    return reverse("tokens:list", args=[org.slug])


def _revoke(org: Organization) -> str:
    return reverse("tokens:revoke", args=[org.slug])


def test_creating_a_token_shows_the_secret_once_and_uncached(
    org: Organization, make_member: Callable[..., User]
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    client = client_for(officer)
    response = client.post(
        _page(org), {"name": "nightly export", "role": "privacy_officer", "days": 30}
    )
    token = ApiToken.objects.get()
    assert token.role == Role.PRIVACY_OFFICER and token.creator == officer
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    shown = response.content.decode()
    start = shown.index('value="pw_') + len('value="')
    secret = shown[start : start + 46]
    assert secrets.digest(secret) == token.secret_hash
    # The secret works in the API and appears nowhere else again.
    assert Client().get(f"/api/organizations/{org.slug}/zones", **bearer(secret)).status_code == 200
    listing = client.get(_page(org)).content.decode()
    assert token.prefix in listing and secret not in listing


def test_the_form_offers_only_roles_up_to_ones_own_and_refuses_more(
    org: Organization, make_member: Callable[..., User]
) -> None:
    officer = make_member(org, Role.PRIVACY_OFFICER)
    client = client_for(officer)
    form = client.get(_page(org)).context["form"]
    offered = {value for value, _ in form.fields["role"].choices}
    # Not auditor: an auditor exports the organization area, which a privacy officer cannot.
    assert offered == {"privacy_officer", "workforce"}
    refused = client.post(_page(org), {"name": "x", "role": "owner", "days": 30})
    assert refused.status_code == 200 and "role" in refused.context["form"].errors
    too_long = client.post(_page(org), {"name": "x", "role": "auditor", "days": 366})
    assert "days" in too_long.context["form"].errors
    assert not ApiToken.objects.exists()


def test_workforce_members_have_no_tokens_page(
    org: Organization, make_member: Callable[..., User]
) -> None:
    worker = make_member(org, Role.WORKFORCE)
    client = client_for(worker)
    assert client.get(_page(org)).status_code == 403
    assert client.post(_page(org), {"name": "x", "role": "workforce", "days": 1}).status_code == 403
    dashboard = client.get(reverse("dashboard", args=[org.slug])).content.decode()
    assert _page(org) not in dashboard
    officer_dashboard = client_for(make_member(org, Role.AUDITOR)).get(
        reverse("dashboard", args=[org.slug])
    )
    assert _page(org) in officer_dashboard.content.decode()


def test_members_see_their_own_tokens_owners_everyones(
    org: Organization, owner: User, make_member: Callable[..., User], make_token: MakeToken
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    auditor = make_member(org, Role.AUDITOR)
    mine, _ = make_token(org, officer)
    theirs, _ = make_token(org, auditor)
    seen = client_for(officer).get(_page(org)).content.decode()
    assert mine.prefix in seen and theirs.prefix not in seen
    everything = client_for(owner).get(_page(org)).content.decode()
    assert mine.prefix in everything and theirs.prefix in everything


def test_revoking_own_token_and_owners_revoking_anyones(
    org: Organization, owner: User, make_member: Callable[..., User], make_token: MakeToken
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    auditor = make_member(org, Role.AUDITOR)
    mine, _ = make_token(org, officer)
    theirs, _ = make_token(org, auditor)
    officer_client = client_for(officer)
    assert officer_client.post(_revoke(org), {"token": theirs.pk}).status_code == 403
    assert officer_client.post(_revoke(org), {"token": mine.pk}).status_code == 302
    assert client_for(owner).post(_revoke(org), {"token": theirs.pk}).status_code == 302
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0
    assert officer_client.get(_revoke(org)).status_code == 405


def test_a_token_of_another_organization_is_not_found_here(
    org: Organization,
    other_org: Organization,
    owner: User,
    make_member: Callable[..., User],
    make_token: MakeToken,
) -> None:
    elsewhere_owner = make_member(other_org, Role.OWNER)
    foreign, _ = make_token(other_org, elsewhere_owner)
    client = client_for(owner)
    for value in (foreign.pk, "nonsense", 2**70):
        response = client.post(_revoke(org), {"token": value}, follow=True)
        assert "No such API token" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
