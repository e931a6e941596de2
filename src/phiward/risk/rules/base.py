"""What a proposal rule is, and the three kinds most rules are: about assets, vendors or flows.

Pure: no Django. A rule has a ``key`` (stable: proposals are remembered by it), a docstring
saying when it applies, the ``threat`` and ``vulnerability`` it proposes (catalog keys) and a
``reason`` template. An asset, vendor or flow rule only says whether one subject matches, and
with which facts (``Match``); the base class turns matches into ``Candidate`` proposals:

- asset rules group their matches by (the facts the rule used, zone, kind), so 40 laptops
  with the same gap in the same zone are one proposal, "Laptops x40 in Clinical" (with the
multiplication sign);
- vendor and flow rules make one proposal per vendor or flow.

The reason template is formatted with ``subject`` (the label) and the match's facts; it must
name the facts, so a reader sees why it was proposed. Only inventory names and choice labels
go into a reason: never notes, never anything that could be PHI.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from phiward.risk.facts import (
    AssetFacts,
    Catalog,
    FlowFacts,
    Inventory,
    VendorFacts,
    criticality_rank,
)


class Source(StrEnum):
    """What a rule reads: inventory facts or questionnaire answers."""

    INVENTORY = "inventory"
    QUESTIONNAIRE = "questionnaire"


@dataclass(frozen=True, slots=True)
class ImpactBasis:
    """What the impact of a proposal is judged by (see ``phiward.risk.engine.impact``)."""

    record_count: int | None = None
    criticality: str = "moderate"
    categories: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, object]:
        return {
            "record_count": self.record_count,
            "criticality": self.criticality,
            "categories": sorted(self.categories),
        }


@dataclass(frozen=True, slots=True)
class Match:
    """A rule applies to one subject: the facts it used (in words) and how likely it is.

    ``likelihood`` is on the five-level scale of NIST SP 800-30 (1 very low .. 5 very high);
    the engine carries it to the analysis's method.
    """

    facts: Mapping[str, str]
    likelihood: int
    details: Mapping[str, str] = field(default_factory=dict)  # words for the reason only

    @property
    def words(self) -> dict[str, str]:
        return {**self.details, **self.facts}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposal before the engine has judged its impact and fitted it to a method."""

    rule: str
    subject_key: str
    subject_label: str
    threat: str
    vulnerability: str
    reason: str
    facts: Mapping[str, str]
    likelihood: int
    basis: ImpactBasis
    asset_ids: tuple[int, ...] = ()
    vendor_id: int | None = None
    flow_id: int | None = None
    source: Source = Source.INVENTORY


class Rule(ABC):
    key: ClassVar[str]
    title: ClassVar[str]
    threat: ClassVar[str]
    vulnerability: ClassVar[str]
    reason: ClassVar[str] = ""
    subject: ClassVar[str]  # "assets", "vendor", "flow", "organization" (for the docs table)
    source: ClassVar[Source] = Source.INVENTORY

    @abstractmethod
    def candidates(self, inventory: Inventory, catalog: Catalog) -> Iterator[Candidate]:
        """Every proposal this rule makes for the inventory."""

    @classmethod
    def doc(cls) -> str:
        return " ".join((cls.__doc__ or "").split())

    def render(self, subject: str, facts: Mapping[str, str]) -> str:
        return self.reason.format(subject=subject, **facts)


# --- asset rules --------------------------------------------------------------------------------

_PLURALS = {
    "laptop": "Laptops",
    "mobile_device": "Mobile devices and tablets",
    "removable_media": "Removable media",
    "workstation": "Workstations",
    "medical_device": "Medical devices",
    "server": "Servers",
    "database": "Databases",
    "printer": "Printers, scanners and faxes",
    "network_device": "Network devices",
    "firewall": "Firewalls",
    "file_share": "File shares",
    "cloud_service": "Cloud services",
    "saas_application": "SaaS applications",
}
NAMES_IN_REASON = 5
TIMES = "\u00d7"  # the multiplication sign, as on the ePHI map: "Laptops x40"


def group_label(kind: str, kind_label: str, names: list[str], zone: str | None) -> str:
    """``RFM-NG-LT02 in Clinical`` for one asset, ``Laptops x40 in Clinical`` (the
    multiplication sign) for a group."""
    place = f" in {zone}" if zone else " (no zone)"
    if len(names) == 1:
        return f"{names[0]}{place}"
    return f"{_PLURALS.get(kind, f'{kind_label} assets')} {TIMES}{len(names)}{place}"


def members_sentence(names: list[str]) -> str:
    if len(names) <= 1:
        return ""
    shown = ", ".join(names[:NAMES_IN_REASON])
    more = len(names) - NAMES_IN_REASON
    return f" Assets: {shown}" + (f" and {more} more." if more > 0 else ".")


def _digest(facts: Mapping[str, str]) -> str:
    text = json.dumps(dict(facts), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class _Group:
    kind: str
    kind_label: str
    zone_id: int | None
    zone_name: str | None
    facts: Mapping[str, str]
    words: Mapping[str, str]
    assets: list[AssetFacts] = field(default_factory=list)
    likelihood: int = 1


class AssetRule(Rule):
    subject = "assets"

    @abstractmethod
    def match(self, asset: AssetFacts, inventory: Inventory) -> Match | None:
        """The facts used when the rule applies to ``asset``; None when it does not."""

    def candidates(self, inventory: Inventory, catalog: Catalog) -> Iterator[Candidate]:
        groups: dict[tuple[object, ...], _Group] = {}
        for asset in inventory.assets:
            found = self.match(asset, inventory)
            if found is None:
                continue
            zone = asset.zone
            key = (asset.kind, zone.id if zone else None, tuple(sorted(found.facts.items())))
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(
                    asset.kind,
                    asset.kind_label,
                    zone.id if zone else None,
                    zone.name if zone else None,
                    found.facts,
                    found.words,
                )
            group.assets.append(asset)
            group.likelihood = max(group.likelihood, found.likelihood)
        for group in groups.values():
            members = sorted(group.assets, key=lambda a: (a.name.casefold(), a.id))
            names = [a.name for a in members]
            label = group_label(group.kind, group.kind_label, names, group.zone_name)
            counts = [a.record_count for a in members if a.record_count is not None]
            zone_part = f"zone-{group.zone_id}" if group.zone_id is not None else "no-zone"
            yield Candidate(
                rule=self.key,
                subject_key=f"assets:{group.kind}:{zone_part}:{_digest(group.facts)}",
                subject_label=label,
                threat=self.threat,
                vulnerability=self.vulnerability,
                reason=self.render(label, group.words) + members_sentence(names),
                facts=group.facts,
                likelihood=group.likelihood,
                basis=ImpactBasis(
                    record_count=max(counts) if counts else None,
                    criticality=max((a.criticality for a in members), key=criticality_rank),
                    categories=frozenset().union(*(a.categories for a in members)),
                ),
                asset_ids=tuple(sorted(a.id for a in members)),
            )


# --- vendor and flow rules ----------------------------------------------------------------------


class VendorRule(Rule):
    subject = "vendor"

    @abstractmethod
    def match(self, vendor: VendorFacts, inventory: Inventory) -> Match | None:
        """The facts used when the rule applies to ``vendor``; None when it does not."""

    def candidates(self, inventory: Inventory, catalog: Catalog) -> Iterator[Candidate]:
        for vendor in inventory.vendors:
            found = self.match(vendor, inventory)
            if found is None:
                continue
            yield Candidate(
                rule=self.key,
                subject_key=f"vendor:{vendor.id}",
                subject_label=vendor.name,
                threat=self.threat,
                vulnerability=self.vulnerability,
                reason=self.render(vendor.name, found.words),
                facts=found.facts,
                likelihood=found.likelihood,
                basis=ImpactBasis(vendor.record_count, vendor.criticality, vendor.categories),
                vendor_id=vendor.id,
            )


def flow_label(flow: FlowFacts) -> str:
    return f"{flow.name} ({flow.source} → {flow.destination})"


class FlowRule(Rule):
    subject = "flow"

    @abstractmethod
    def match(self, flow: FlowFacts, inventory: Inventory) -> Match | None:
        """The facts used when the rule applies to ``flow``; None when it does not."""

    def candidates(self, inventory: Inventory, catalog: Catalog) -> Iterator[Candidate]:
        for flow in inventory.flows:
            found = self.match(flow, inventory)
            if found is None:
                continue
            label = flow_label(flow)
            yield Candidate(
                rule=self.key,
                subject_key=f"flow:{flow.id}",
                subject_label=label,
                threat=self.threat,
                vulnerability=self.vulnerability,
                reason=self.render(label, found.words),
                facts=found.facts,
                likelihood=found.likelihood,
                basis=ImpactBasis(None, flow.criticality, flow.categories),
                flow_id=flow.id,
            )
