"""The calendar pages: month grid and agenda, the .ics download, the dashboard card and the
sidebar link; each member sees only the deadlines of areas their role may read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from phiward.core.models import Organization
from phiward.core.permissions import Area, Role
from tests.calendar.conftest import Fixed
from tests.calendar.icsparse import parse, unescape
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def deadlines(org: Organization, fixed: Fixed) -> Fixed:
    fixed.add(org, TODAY + dt.timedelta(days=5), "Notify individuals", Area.INCIDENTS)
    fixed.add(org, TODAY - dt.timedelta(days=2), "Finish MFA rollout", Area.RISK)
    fixed.add(
        org, TODAY + dt.timedelta(days=20), "Renew BAA; ask counsel, then sign", Area.EVIDENCE
    )
    return fixed


def test_month_page_shows_grid_agenda_and_warnings(
    org: Organization, member: Callable[[Role], User], deadlines: Fixed
) -> None:
    client = client_for(member(Role.SECURITY_OFFICER))
    response = client.get(reverse("calendar:month", args=[org.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Program calendar" in page
    assert "Notify individuals" in page and "Within 7 days" in page
    assert "Finish MFA rollout" in page and "Overdue 2 days" in page
    assert 'aria-current="date"' in page
    assert f'href="/o/{org.slug}/"' in page  # each item links to where to act
    assert reverse("calendar:ics", args=[org.slug]) in page


def test_month_navigation_and_bad_month_values(
    org: Organization, member: Callable[[Role], User], deadlines: Fixed
) -> None:
    client = client_for(member(Role.AUDITOR))
    page = client.get(
        reverse("calendar:month", args=[org.slug]) + "?month=2031-02"
    ).content.decode()
    assert "February 2031" in page and "?month=2031-01" in page and "?month=2031-03" in page
    for bad in ("2031-13", "x", "0001-01", "2031-1-1"):
        response = client.get(reverse("calendar:month", args=[org.slug]) + f"?month={bad}")
        assert response.status_code == 200


def test_workforce_sees_no_incident_deadlines(
    org: Organization, member: Callable[[Role], User], deadlines: Fixed
) -> None:
    client = client_for(member(Role.WORKFORCE))
    page = client.get(reverse("calendar:month", args=[org.slug])).content.decode()
    assert "Notify individuals" not in page and "Finish MFA rollout" not in page
    dashboard = client.get(reverse("dashboard", args=[org.slug])).content.decode()
    assert "Upcoming deadlines" not in dashboard and "IR exercises" not in dashboard
    assert "Calendar" in dashboard  # the sidebar link is for everyone
    feed = parse(client.get(reverse("calendar:ics", args=[org.slug])).content.decode())
    assert not [e for e in feed.all("VEVENT") if "test-" in e.get("UID")]


def test_ics_download_by_session(
    org: Organization, member: Callable[[Role], User], deadlines: Fixed
) -> None:
    client = client_for(member(Role.AUDITOR))
    response = client.get(reverse("calendar:ics", args=[org.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    feed = parse(response.content.decode())
    summaries = {unescape(e.get("SUMMARY")) for e in feed.all("VEVENT")}
    assert {
        "Notify individuals",
        "Finish MFA rollout",
        "Renew BAA; ask counsel, then sign",
    } <= summaries
    event = next(
        e for e in feed.all("VEVENT") if unescape(e.get("SUMMARY")) == "Notify individuals"
    )
    assert event.get("URL") == f"http://testserver/o/{org.slug}/"
    assert event.get("UID") == f"test-Notify individuals@{org.slug}.phiward"


def test_anonymous_and_outsiders(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    from django.test import Client

    url = reverse("calendar:ics", args=[org.slug])
    assert Client().get(url).status_code == 302  # to log in
    outsider = client_for(make_member(other_org, Role.OWNER))
    assert outsider.get(url).status_code == 404
    assert outsider.get(reverse("calendar:month", args=[org.slug])).status_code == 404


def test_dashboard_card_overdue_first(
    org: Organization, member: Callable[[Role], User], deadlines: Fixed
) -> None:
    client = client_for(member(Role.PRIVACY_OFFICER))
    page = client.get(reverse("dashboard", args=[org.slug])).content.decode()
    assert "Upcoming deadlines" in page
    card = page[page.index("Upcoming deadlines") :]
    assert card.index("Finish MFA rollout") < card.index("Notify individuals")
    assert "IR exercises" in page  # the exercises card (never held: due now)
