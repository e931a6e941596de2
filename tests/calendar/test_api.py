"""GET /api/organizations/{org}/calendar and calendar.ics, by session and by API token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from phiward.core.models import Organization
from phiward.core.permissions import Area, Role
from phiward.tokens.lifecycle import create_token
from tests.calendar.conftest import Fixed
from tests.calendar.icsparse import parse
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def url(org: Organization, rest: str = "") -> str:
    return f"/api/organizations/{org.slug}/calendar{rest}"


@pytest.fixture
def deadlines(org: Organization, fixed: Fixed) -> Fixed:
    fixed.add(org, TODAY + dt.timedelta(days=3), "Notify HHS", Area.INCIDENTS)
    fixed.add(org, TODAY + dt.timedelta(days=40), "Mitigate", Area.RISK)
    return fixed


def titles(body: dict) -> list[str]:  # type: ignore[type-arg]
    return [i["title"] for i in body["items"] if i["kind"] == "test"]


def test_list_defaults_to_the_next_60_days(
    org: Organization, member: Callable[[Role], User], deadlines: Fixed
) -> None:
    response = client_for(member(Role.AUDITOR)).get(url(org))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["start"] == TODAY.isoformat()
    assert body["end"] == (TODAY + dt.timedelta(days=60)).isoformat()
    assert titles(body) == ["Notify HHS", "Mitigate"]
    first = next(i for i in body["items"] if i["title"] == "Notify HHS")
    assert (first["warning"], first["days_left"], first["overdue"], first["area"]) == (
        7,
        3,
        False,
        "incidents",
    )


def test_range_and_its_problems(
    org: Organization, member: Callable[[Role], User], deadlines: Fixed
) -> None:
    client = client_for(member(Role.OWNER))
    start, end = TODAY + dt.timedelta(days=10), TODAY + dt.timedelta(days=50)
    body = client.get(url(org), {"start": start.isoformat(), "end": end.isoformat()}).json()
    assert titles(body) == ["Mitigate"]
    bad = client.get(url(org), {"start": end.isoformat(), "end": start.isoformat()})
    assert bad.status_code == 422
    assert "end" in bad.json()["errors"]
    wide = client.get(url(org), {"start": "2020-01-01", "end": "2030-01-01"})
    assert wide.status_code == 422


def test_workforce_gets_nothing_from_incidents(
    org: Organization, member: Callable[[Role], User], deadlines: Fixed
) -> None:
    body = client_for(member(Role.WORKFORCE)).get(url(org)).json()
    assert body["items"] == []


def test_a_token_sees_what_its_own_role_may_read(
    org: Organization, member: Callable[[Role], User], deadlines: Fixed
) -> None:
    owner = member(Role.OWNER)
    _token, secret = create_token(org, creator=owner, name="calendar", role=Role.AUDITOR)
    response = Client().get(url(org), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert titles(response.json()) == ["Notify HHS", "Mitigate"]
    feed = Client().get(url(org, ".ics"), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    uids = [e.get("UID") for e in parse(feed.content.decode()).all("VEVENT")]
    assert f"test-Notify HHS@{org.slug}.phiward" in uids


def test_outsiders_and_anonymous(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    assert Client().get(url(org)).status_code == 401
    outsider = client_for(make_member(other_org, Role.OWNER))
    assert outsider.get(url(org)).status_code == 404
    assert outsider.get(url(org, ".ics")).status_code == 404
