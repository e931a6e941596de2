"""The evidence provider: registered by the evidence app, and what happens without one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from phiward.core.models import Organization
from phiward.evidence.facts import evidence_facts
from phiward.evidence.models import EvidenceItem, EvidenceSpecLink
from phiward.safeguards import services
from phiward.safeguards.evidence import evidence_facts_for, register_evidence_provider
from phiward.safeguards.status import Shown
from tests.safeguards.conftest import EvidenceTable

pytestmark = pytest.mark.django_db

SPEC = "164.312(b)"


def shown(org: Organization, spec: str) -> Shown:
    return next(i.shown for i in services.posture_for(org).items if i.entry.id == spec)


def _link_evidence(org: Organization, spec: str, expires_on: dt.date | None) -> None:
    item = EvidenceItem(
        organization=org,
        title="SIEM retention settings",
        kind="link",
        url="https://siem.example/settings",
        effective_on=dt.date.today() - dt.timedelta(days=30),
        expires_on=expires_on,
    )
    item.full_clean()
    item.save()
    EvidenceSpecLink(organization=org, item=item, spec_id=spec).save()


def test_the_evidence_app_registers_its_facts(org: Organization, evidence: EvidenceTable) -> None:
    assert evidence.replaced is evidence_facts  # what phiward.evidence registered at start-up
    register_evidence_provider(None)  # the fixture puts things back afterwards
    with pytest.raises(ImproperlyConfigured, match="register_evidence_provider"):
        evidence_facts_for(org)


def test_expired_then_current_evidence_from_the_evidence_app(
    org: Organization, officer: User
) -> None:
    register_evidence_provider(evidence_facts)
    services.update(org, SPEC, {"status": "implemented"}, by=officer)
    assert shown(org, SPEC) is Shown.EVIDENCE_MISSING
    _link_evidence(org, SPEC, expires_on=dt.date.today() - dt.timedelta(days=1))
    assert shown(org, SPEC) is Shown.EVIDENCE_EXPIRED
    _link_evidence(org, SPEC, expires_on=None)
    assert shown(org, SPEC) is Shown.IMPLEMENTED
    # The standard 164.312(a)(1) counts the evidence of its specifications.
    services.update(org, "164.312(a)(1)", {"status": "implemented"}, by=officer)
    _link_evidence(org, "164.312(a)(2)(i)", expires_on=None)
    assert shown(org, "164.312(a)(1)") is Shown.IMPLEMENTED


def test_detail_page_counts_and_links_evidence(
    officer_client: Client, org: Organization, officer: User
) -> None:
    register_evidence_provider(evidence_facts)
    services.update(org, SPEC, {"status": "implemented"}, by=officer)
    _link_evidence(org, SPEC, expires_on=dt.date.today() - dt.timedelta(days=1))
    html = officer_client.get(reverse("safeguards:detail", args=[org.slug, "164.312-b"])).content
    page = html.decode()
    assert "0 current items, 1 expired" in page
    assert "Implemented — evidence expired" in page
    assert f"/o/{org.slug}/evidence/?spec=164.312%28b%29" in page
