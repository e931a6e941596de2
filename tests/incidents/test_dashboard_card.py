"""The dashboard's "Incident response" card: open incidents and every open breach-notification
deadline, with its warning, for the roles that read incidents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.incidents import services
from phiward.incidents.models import Incident
from tests.conftest import client_for
from tests.incidents.conftest import facts


def _card(user: User, org: Organization) -> str:
    page = client_for(user).get(reverse("dashboard", args=[org.slug])).content.decode()
    start = page.find('id="incident-response"')
    return "" if start < 0 else page[start : page.index("</section>", start)]


def test_open_obligations_show_with_their_warning_overdue_first(
    org: Organization, incident: Incident, officer: User, make_member: Callable[..., User]
) -> None:
    today = timezone.localdate()
    # Discovered 50 days ago: the individual notices are due in 10 days (the 14-day warning).
    recent = services.sign_off(
        services.assess(incident, facts(discovered=today - dt.timedelta(days=50)), officer),
        officer,
    )
    older = services.report(
        org,
        services.Report(title="Fax misdirected", category="misdirected_communication"),
        reporter=None,
    )
    # Discovered 61 days ago: overdue by a day.
    services.sign_off(
        services.assess(older, facts(discovered=today - dt.timedelta(days=61)), officer), officer
    )
    card = _card(officer, org)
    assert "2 open incidents" in card
    assert "Overdue 1 day" in card
    first, second = card.index(older.reference), card.index(incident.reference)
    assert first < second, "the overdue obligation comes first"
    individuals = recent.obligations.get(key="individuals")
    assert individuals.due_on == today + dt.timedelta(days=10)
    assert individuals.due_on.isoformat() in card

    # Recorded as sent, it leaves the card.
    services.record_sent(individuals, officer, sent_on=today, method="first_class_mail")
    assert card.count(incident.reference) > _card(officer, org).count(incident.reference)

    auditor = make_member(org, Role.AUDITOR)
    assert "Breach-notification deadlines" in _card(auditor, org)
    worker = make_member(org, Role.WORKFORCE)
    assert _card(worker, org) == ""
