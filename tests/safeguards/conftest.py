"""Fixtures for the safeguards tests: an evidence provider the tests control, and risks."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.models import Risk, RiskAnalysis, Threat, ThreatSource, Vulnerability
from phiward.safeguards.evidence import EvidenceProvider, register_evidence_provider


class EvidenceTable(dict[str, dict[str, tuple[int, int]]]):
    """Per organization slug, entry id -> (current, expired) evidence items; tests fill it in.
    ``replaced`` is the provider the evidence app registered at start-up."""

    replaced: EvidenceProvider | None = None


@pytest.fixture(autouse=True)
def evidence() -> Iterator[EvidenceTable]:
    """The evidence facts every safeguards test sees (none unless a test adds some)."""
    table = EvidenceTable()
    table.replaced = register_evidence_provider(lambda org: table.get(org.slug, {}))
    yield table
    register_evidence_provider(table.replaced)


@pytest.fixture
def make_risk(db: None) -> Callable[..., Risk]:
    counter = iter(range(1, 10_000))

    def make(org: Organization, title: str = "Stolen laptop exposes ePHI") -> Risk:
        n = next(counter)
        analysis = RiskAnalysis.objects.for_org(org).first() or RiskAnalysis.objects.create(
            organization=org, title="Annual risk analysis"
        )
        threat = Threat.objects.create(
            organization=org, key=f"threat-{n}", name=f"Threat {n}", source=ThreatSource.ADVERSARIAL
        )
        vulnerability = Vulnerability.objects.create(
            organization=org, key=f"vuln-{n}", name=f"Vulnerability {n}"
        )
        return Risk.objects.create(
            organization=org,
            analysis=analysis,
            number=n,
            title=title,
            threat=threat,
            vulnerability=vulnerability,
        )

    return make


@pytest.fixture
def privacy(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.PRIVACY_OFFICER)


@pytest.fixture
def owner(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.OWNER)
