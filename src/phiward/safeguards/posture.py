"""The safeguard posture: per family and overall, counts, a score, and the gaps (S9, S12).

Pure: no Django. The service (``services.posture_for``) hands over one ``SafeguardFacts`` per
Security Rule standard and implementation specification (what the organization recorded, its
owner and linked risks) and the evidence facts; ``posture`` derives each one's ``Shown`` status
(``status.effective_status``) and tallies them.

The score of a group is ``(implemented + 0.5 x partially implemented) / applicable``, where
"partially implemented" includes "implemented — evidence missing/expired" and "applicable"
leaves out approved "not applicable" entries; planned and not implemented count 0 (a pending
"not applicable" counts as not implemented). A group with nothing applicable has no score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from phiward.catalog.catalog import CatalogEntry, Family, Requirement
from phiward.safeguards.status import (
    EvidenceFacts,
    Implementation,
    Recorded,
    Shown,
    effective_status,
)

PARTIAL_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class RiskRef:
    """A risk linked to a safeguard, as the posture names it."""

    id: int
    reference: str
    title: str
    level: str  # its current level (residual when rated, else inherent); "" when unrated
    open: bool


@dataclass(frozen=True, slots=True)
class SafeguardFacts:
    entry: CatalogEntry
    recorded: Recorded
    owner: str = ""
    risks: tuple[RiskRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of the posture: the facts and the status it shows as."""

    facts: SafeguardFacts
    shown: Shown

    @property
    def entry(self) -> CatalogEntry:
        return self.facts.entry

    @property
    def requirement(self) -> Requirement:
        return self.facts.recorded.requirement


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts and score of a group of entries."""

    shown: tuple[tuple[Shown, int], ...]  # every Shown value, in its order
    total: int
    unassessed: int

    def count(self, shown: Shown) -> int:
        return dict(self.shown)[shown]

    def counted(self, implementation: Implementation) -> int:
        """How many count as ``implementation`` in the score."""
        return sum(n for shown, n in self.shown if shown.counts_as is implementation)

    @property
    def implemented(self) -> int:
        return self.counted(Implementation.IMPLEMENTED)

    @property
    def partial(self) -> int:
        """Partially implemented, including implemented with evidence missing or expired."""
        return self.counted(Implementation.PARTIAL)

    @property
    def planned(self) -> int:
        return self.counted(Implementation.PLANNED)

    @property
    def not_implemented(self) -> int:
        """Not implemented, including "not applicable" still awaiting approval."""
        return self.counted(Implementation.NOT_IMPLEMENTED)

    @property
    def not_applicable(self) -> int:
        return self.counted(Implementation.NOT_APPLICABLE)

    @property
    def applicable(self) -> int:
        return self.total - self.not_applicable

    @property
    def score(self) -> float | None:
        """0.0 to 1.0; None when nothing in the group is applicable."""
        if self.applicable == 0:
            return None
        return (self.implemented + PARTIAL_WEIGHT * self.partial) / self.applicable

    @property
    def percent(self) -> int | None:
        score = self.score
        return None if score is None else round(score * 100)

    @property
    def gaps(self) -> int:
        return sum(n for shown, n in self.shown if shown.is_gap)


def tally(items: Iterable[Item]) -> Tally:
    counts = dict.fromkeys(Shown, 0)
    total = unassessed = 0
    for item in items:
        counts[item.shown] += 1
        total += 1
        if not item.facts.recorded.assessed:
            unassessed += 1
    return Tally(shown=tuple(counts.items()), total=total, unassessed=unassessed)


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A group's tally, and the same split into required and addressable entries."""

    overall: Tally
    required: Tally
    addressable: Tally


def breakdown(items: Sequence[Item]) -> Breakdown:
    return Breakdown(
        overall=tally(items),
        required=tally(i for i in items if i.requirement is Requirement.REQUIRED),
        addressable=tally(i for i in items if i.requirement is Requirement.ADDRESSABLE),
    )


@dataclass(frozen=True, slots=True)
class FamilyPosture:
    family: Family
    tallies: Breakdown


@dataclass(frozen=True, slots=True)
class Posture:
    items: tuple[Item, ...]  # every entry, in catalog order
    tallies: Breakdown
    families: tuple[FamilyPosture, ...]

    @property
    def gaps(self) -> tuple[Item, ...]:
        """Entries not (fully) in place: not implemented, planned, partial, evidence missing or
        expired, or "not applicable" awaiting approval; in catalog order."""
        return tuple(item for item in self.items if item.shown.is_gap)


def posture(safeguards: Sequence[SafeguardFacts], evidence_facts: EvidenceFacts) -> Posture:
    items = tuple(
        Item(facts, effective_status(facts.recorded, evidence_facts)) for facts in safeguards
    )
    families = []
    for family in Family:
        members = [item for item in items if item.entry.family is family]
        if members:
            families.append(FamilyPosture(family, breakdown(members)))
    return Posture(items=items, tallies=breakdown(items), families=tuple(families))


# --- JSON ---------------------------------------------------------------------------------------


def tally_json(t: Tally) -> dict[str, object]:
    return {
        "total": t.total,
        "applicable": t.applicable,
        "unassessed": t.unassessed,
        "score": None if t.score is None else round(t.score, 4),
        "counts": {str(impl): t.counted(impl) for impl in Implementation},
        "shown": {str(shown): n for shown, n in t.shown},
    }


def breakdown_json(b: Breakdown) -> dict[str, object]:
    return {
        **tally_json(b.overall),
        "required": tally_json(b.required),
        "addressable": tally_json(b.addressable),
    }


def risk_json(risk: RiskRef) -> dict[str, object]:
    return {
        "id": risk.id,
        "reference": risk.reference,
        "title": risk.title,
        "level": risk.level or None,
        "open": risk.open,
    }


def gap_json(item: Item) -> dict[str, object]:
    entry = item.entry
    return {
        "spec_id": entry.id,
        "key": entry.key,
        "title": entry.title,
        "family": str(entry.family) if entry.family else None,
        "requirement": str(item.requirement),
        "status": str(item.facts.recorded.status),
        "shown": str(item.shown),
        "shown_label": item.shown.label,
        "owner": item.facts.owner or None,
        "risks": [risk_json(risk) for risk in item.facts.risks],
    }


def posture_json(p: Posture) -> dict[str, object]:
    return {
        "overall": breakdown_json(p.tallies),
        "families": [
            {"family": str(f.family), "label": f.family.label, **breakdown_json(f.tallies)}
            for f in p.families
        ],
        "gaps": [gap_json(item) for item in p.gaps],
    }
