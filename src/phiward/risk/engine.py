"""The proposal engine: inventory facts and questionnaire answers in, risk proposals out.

Pure: no Django. ``propose(inventory, catalog, method)`` runs every rule of
``phiward.risk.rules.RULES``, drops what names a threat or vulnerability the organization's
catalog does not offer (retired, or removed), judges each proposal's impact and fits the
suggested likelihood and impact to the analysis's method.

Impact (five-level, NIST SP 800-30 Table H-3 words) is the worst of what the threat harms
(its ``affects``):

- confidentiality, by the number of patient records at stake: unknown 3 (moderate), none 1,
  1-9 records 2, 10-499 3, 500-99,999 4 (a breach HHS posts and the media must be told of),
  100,000 or more 5; one level more (up to 5) when specially protected categories are involved
  (behavioral, substance use, HIV, genetic);
- integrity and availability, by clinical criticality: low 2, moderate 3, high 4, critical 5
  (patient safety).

Rules state likelihood on the same five-level scale; ``scoring.rescale`` carries both to a
three-level method (1-2 -> Low, 3 -> Medium, 4-5 -> High).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from phiward.risk.facts import SENSITIVE_CATEGORY, Catalog, Inventory
from phiward.risk.rules import RULES
from phiward.risk.rules.base import Candidate, ImpactBasis, Rule, Source
from phiward.risk.scoring import Level, Method, level, rescale

OBJECTIVES = ("confidentiality", "integrity", "availability")
_BY_CRITICALITY = {"low": 2, "moderate": 3, "high": 4, "critical": 5}


@dataclass(frozen=True, slots=True)
class Proposal:
    """A threat x vulnerability pair proposed for a subject, with its reason and ratings."""

    rule: str
    subject_key: str
    subject_label: str
    threat: str
    vulnerability: str
    reason: str
    facts: Mapping[str, str]  # what the rule used: a change of these reopens a dismissal
    basis: ImpactBasis
    asset_ids: tuple[int, ...]
    vendor_id: int | None
    flow_id: int | None
    source: Source
    likelihood: int  # on the analysis's method
    impact: int
    level: Level
    fingerprint: str

    def facts_json(self) -> dict[str, object]:
        return {"used": dict(self.facts), "impact_basis": self.basis.as_dict()}


def volume_impact(record_count: int | None) -> int:
    """Confidentiality impact (1-5) of the number of patient records at stake."""
    if record_count is None:
        return 3
    if record_count <= 0:
        return 1
    if record_count < 10:
        return 2
    if record_count < 500:
        return 3
    if record_count < 100_000:
        return 4
    return 5


def impact(affects: frozenset[str], basis: ImpactBasis) -> int:
    """Five-level impact of a threat harming ``affects`` (all three when empty) of ``basis``."""
    harmed = affects or frozenset(OBJECTIVES)
    scores = []
    if "confidentiality" in harmed:
        score = volume_impact(basis.record_count)
        if SENSITIVE_CATEGORY in basis.categories:
            score = min(5, score + 1)
        scores.append(score)
    if harmed & {"integrity", "availability"}:
        scores.append(_BY_CRITICALITY.get(basis.criticality, 3))
    return max(scores)


def fingerprint(candidate: Candidate) -> str:
    """Digest of what makes a proposal what it is: its facts and the subjects they are about."""
    data = {
        "rule": candidate.rule,
        "subject": candidate.subject_key,
        "threat": candidate.threat,
        "vulnerability": candidate.vulnerability,
        "facts": dict(candidate.facts),
        "assets": sorted(candidate.asset_ids),
        "vendor": candidate.vendor_id,
        "flow": candidate.flow_id,
    }
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def propose(
    inventory: Inventory,
    catalog: Catalog,
    method: Method | str,
    rules: tuple[Rule, ...] = RULES,
) -> tuple[Proposal, ...]:
    """Every proposal the rules make, in rule order then by subject."""
    chosen = Method(method)
    found: list[Proposal] = []
    seen: set[tuple[str, str]] = set()
    for rule in rules:
        for candidate in sorted(
            rule.candidates(inventory, catalog), key=lambda c: (c.subject_label, c.subject_key)
        ):
            threat = catalog.threats.get(candidate.threat)
            if threat is None or candidate.vulnerability not in catalog.vulnerabilities:
                continue
            identity = (candidate.rule, candidate.subject_key)
            if identity in seen:
                raise ValueError(f"rule {candidate.rule} proposed {candidate.subject_key} twice")
            seen.add(identity)
            likelihood = rescale(candidate.likelihood, Method.FIVE_LEVEL, chosen)
            severity = rescale(impact(threat.affects, candidate.basis), Method.FIVE_LEVEL, chosen)
            found.append(
                Proposal(
                    rule=candidate.rule,
                    subject_key=candidate.subject_key,
                    subject_label=candidate.subject_label,
                    threat=candidate.threat,
                    vulnerability=candidate.vulnerability,
                    reason=candidate.reason,
                    facts=candidate.facts,
                    basis=candidate.basis,
                    asset_ids=candidate.asset_ids,
                    vendor_id=candidate.vendor_id,
                    flow_id=candidate.flow_id,
                    source=candidate.source,
                    likelihood=likelihood,
                    impact=severity,
                    level=level(chosen, likelihood, severity),
                    fingerprint=fingerprint(candidate),
                )
            )
    return tuple(found)
