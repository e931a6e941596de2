"""What the evidence says about the safeguards: counts per Security Rule citation.

``evidence_facts`` is what the safeguards status consumes (current and expired evidence per
specification); ``dashboard_facts`` is what the dashboard shows (expired, expiring within 30
days, and the specifications with no current evidence). Both count each item once per
citation it is linked to, as of ``today``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from phiward.catalog import catalog
from phiward.core.models import Organization
from phiward.evidence import retention
from phiward.evidence.models import SECURITY_RULE, EvidenceSpecLink, expiring_q, state_q
from phiward.evidence.retention import State

SpecFacts = dict[str, tuple[int, int]]  # spec id -> (current, expired)


def _counts(org: Organization, today: dt.date) -> dict[str, dict[str, int]]:
    on_item = "item__"
    rows = (
        EvidenceSpecLink.objects.for_org(org)
        .values("spec_id")
        .annotate(
            current=Count("item", filter=state_q(State.CURRENT, today, on_item)),
            expired=Count("item", filter=state_q(State.EXPIRED, today, on_item)),
            expiring=Count("item", filter=expiring_q(today, prefix=on_item)),
        )
        .order_by("spec_id")
    )
    return {
        str(row["spec_id"]): {k: int(row[k]) for k in ("current", "expired", "expiring")}
        for row in rows
    }


def evidence_facts(org: Organization, today: dt.date | None = None) -> SpecFacts:
    """Per linked Security Rule citation: (items current today, items expired)."""
    day = today or timezone.localdate()
    return {spec: (c["current"], c["expired"]) for spec, c in _counts(org, day).items()}


def evidence_bearing_specs() -> tuple[str, ...]:
    """The citations evidence is expected for: every implementation specification, and every
    standard that has none (its evidence shows the standard itself is met)."""
    framework = catalog.load(SECURITY_RULE)
    return tuple(
        item.id
        for item in framework.entries
        if item.kind is catalog.EntryKind.IMPLEMENTATION_SPECIFICATION
        or (item.kind is catalog.EntryKind.STANDARD and not framework.children_of(item))
    )


@dataclass(frozen=True)
class SpecEvidence:
    spec_id: str
    current: int
    expired: int
    expiring: int  # current, and expires within 30 days

    @property
    def missing(self) -> bool:
        return self.current == 0


@dataclass(frozen=True)
class DashboardFacts:
    expired: int  # items past their expiry date (not superseded)
    expiring: int  # current items expiring within 30 days
    per_spec: tuple[SpecEvidence, ...]  # every evidence-bearing citation, in catalog order

    @property
    def missing(self) -> tuple[str, ...]:
        """Citations with no current evidence."""
        return tuple(s.spec_id for s in self.per_spec if s.missing)


def dashboard_facts(org: Organization, today: dt.date | None = None) -> DashboardFacts:
    from phiward.evidence.models import EvidenceItem

    day = today or timezone.localdate()
    counts: dict[str, dict[str, int]] = defaultdict(dict, _counts(org, day))
    wanted = list(evidence_bearing_specs())
    wanted += sorted(spec for spec in counts if spec not in wanted)  # standards with specs
    items = EvidenceItem.objects.for_org(org)
    return DashboardFacts(
        expired=items.filter(state_q(State.EXPIRED, day)).count(),
        expiring=items.filter(expiring_q(day, retention.EXPIRING_DAYS)).count(),
        per_spec=tuple(
            SpecEvidence(
                spec,
                counts[spec].get("current", 0),
                counts[spec].get("expired", 0),
                counts[spec].get("expiring", 0),
            )
            for spec in wanted
        ),
    )
