"""The dashboard's risk program cards: the figures each role may read, and nothing else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.analysis import start_analysis
from phiward.risk.register import add_risk
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(make_org: Callable[..., Organization]) -> Organization:
    org = make_org(slug="riverside", name="Riverside Clinic")
    analysis = start_analysis(org, None, title="2026")
    add_risk(
        analysis,
        None,
        title="Stolen laptops",
        threat="lost-stolen-device",
        vulnerability="no-encryption-at-rest",
        likelihood=3,
        impact=3,
    )
    return org


def _cards(html: str) -> dict[str, str]:
    import re

    pattern = r'<span class="num">([^<]*)</span><span class="label">([^<]*)</span>'
    return {label: value for value, label in re.findall(pattern, html)}


def test_officer_sees_risk_safeguard_and_evidence_figures(
    org: Organization, make_member: Callable[..., User]
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER, username="sofia")
    cards = _cards(client_for(officer).get(f"/o/{org.slug}/").content.decode())
    assert cards["Open risks"] == "1"
    assert cards["High or critical risks"] == "1"  # HxH is critical on the three-level method
    assert cards["Safeguards in place"] == "0%"
    assert "Expired evidence" in cards


def test_workforce_sees_no_program_figures(
    org: Organization, make_member: Callable[..., User]
) -> None:
    worker = make_member(org, Role.WORKFORCE, username="wanda")
    html = client_for(worker).get(f"/o/{org.slug}/").content.decode()
    assert "Risk program" not in html
    assert _cards(html) == {}
