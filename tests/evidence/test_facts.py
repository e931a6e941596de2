"""Evidence facts for the safeguards and the dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from phiward.core.models import Organization
from phiward.evidence import library
from phiward.evidence.facts import dashboard_facts, evidence_bearing_specs, evidence_facts
from phiward.evidence.library import Links
from phiward.evidence.models import EvidenceItem
from phiward.safeguards.evidence import evidence_facts_for

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 29)
ANALYSIS, MANAGEMENT, AUDIT = "164.308(a)(1)(ii)(A)", "164.308(a)(1)(ii)(B)", "164.312(b)"


@pytest.fixture
def library_of(org: Organization, add_file: Callable[..., EvidenceItem]) -> dict[str, EvidenceItem]:
    def add(title: str, specs: tuple[str, ...], **dates: dt.date) -> EvidenceItem:
        return add_file(
            title=title, links=Links(spec_ids=specs), effective_on=dt.date(2026, 1, 1), **dates
        )

    older = add("Old analysis", (ANALYSIS,), expires_on=dt.date(2026, 6, 30))
    current = add("Analysis", (ANALYSIS, MANAGEMENT))
    soon = add("Audit log review", (AUDIT,), expires_on=TODAY + dt.timedelta(days=10))
    gone = add("Plan", (MANAGEMENT,), expires_on=dt.date(2026, 3, 1))
    replaced = add("Old plan", (MANAGEMENT,), expires_on=dt.date(2026, 3, 1))
    library.update(replaced, {"superseded_by": current, "superseded_on": dt.date(2026, 2, 1)})
    return {"older": older, "current": current, "soon": soon, "gone": gone}


def test_evidence_facts_count_current_and_expired_per_citation(
    org: Organization,
    other_org: Organization,
    library_of: dict[str, EvidenceItem],
    add_file: Callable[..., EvidenceItem],
) -> None:
    add_file(organization=other_org, links=Links(spec_ids=(ANALYSIS,)))  # not counted for org
    facts = evidence_facts(org, TODAY)
    # A superseded item is neither current nor expired: it was replaced, not lost.
    assert facts == {ANALYSIS: (1, 1), MANAGEMENT: (1, 1), AUDIT: (1, 0)}
    assert evidence_facts(org, dt.date(2027, 1, 1))[AUDIT] == (0, 1)


def test_the_safeguards_get_our_facts(
    org: Organization, library_of: dict[str, EvidenceItem]
) -> None:
    assert evidence_facts_for(org) == evidence_facts(org)
    assert evidence_facts_for(org)


def test_dashboard_facts(org: Organization, library_of: dict[str, EvidenceItem]) -> None:
    facts = dashboard_facts(org, TODAY)
    assert (facts.expired, facts.expiring) == (2, 1)
    by_spec = {s.spec_id: s for s in facts.per_spec}
    assert (by_spec[AUDIT].current, by_spec[AUDIT].expiring) == (1, 1)
    assert not by_spec[ANALYSIS].missing
    assert "164.310(d)(1)" not in facts.missing  # a standard with specifications
    assert "164.310(d)(2)(iv)" in facts.missing
    assert ANALYSIS not in facts.missing
    assert len(facts.per_spec) == len(evidence_bearing_specs())
    assert len(facts.missing) == len(evidence_bearing_specs()) - 3


def test_evidence_bearing_specs() -> None:
    specs = evidence_bearing_specs()
    assert "164.308(a)(1)(ii)(A)" in specs  # an implementation specification
    assert "164.308(a)(2)" in specs  # a standard without specifications
    assert "164.308(a)(1)" not in specs  # a standard with specifications
