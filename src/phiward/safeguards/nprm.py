"""The 2025 proposed Security Rule (90 FR 898) as an optional lens on an organization's posture.

PROPOSED ONLY: the rule is not final (see the ``nprm-2025`` catalog framework and its
provenance). Pure: no Django. The catalog lists the proposals as free-standing entries with no
link to today's specifications, so this module keeps phiward's own mapping of each proposal to
the current standards and specifications it would tighten (``RELATED``); tests check that every
id in it exists and that every proposal is mapped.

The lens lists what would additionally be required of this organization:

- *addressable specifications that would become required* (the proposal removes the
  required/addressable distinction, with limited exceptions): each addressable specification
  documented as "not reasonable and appropriate" or met by an equivalent alternative, or not
  fully in place yet;
- *new or more specific requirements*: every other proposal, with the organization's status of
  the current safeguards it relates to. A proposal whose related safeguards are in place still
  asks for its specifics (a deadline, a cadence) to be checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from phiward.catalog.catalog import CatalogEntry, Framework, Requirement
from phiward.safeguards.posture import Item, Posture
from phiward.safeguards.status import Decision

DISTINCTION_REMOVED = "remove-required-vs-addressable-distinction"

# NPRM proposal id -> the current Security Rule entries it would tighten (phiward's mapping).
RELATED: Mapping[str, tuple[str, ...]] = {
    "written-documentation": ("164.316(a)", "164.316(b)(1)"),
    "technology-asset-inventory-network-map": ("164.308(a)(1)(ii)(A)", "164.310(d)(2)(iii)"),
    "risk-analysis-specificity": ("164.308(a)(1)(ii)(A)",),
    "patch-management": ("164.308(a)(1)(ii)(B)", "164.308(a)(5)(ii)(B)"),
    "workforce-access-termination": ("164.308(a)(3)(ii)(C)",),
    "notice-of-workforce-access-change": ("164.308(a)(3)(ii)(C)", "164.308(a)(4)(ii)(C)"),
    "security-incident-response-plan": ("164.308(a)(6)", "164.308(a)(6)(ii)"),
    "contingency-planning-restoration": (
        "164.308(a)(7)(ii)(B)",
        "164.308(a)(7)(ii)(D)",
        "164.308(a)(7)(ii)(E)",
    ),
    "backups": ("164.308(a)(7)(ii)(A)", "164.310(d)(2)(iv)"),
    "ba-contingency-plan-activation-notice": ("164.308(b)(1)", "164.314(a)(2)(i)"),
    "compliance-audit": ("164.308(a)(8)",),
    "encryption": ("164.312(a)(2)(iv)", "164.312(e)(2)(ii)"),
    "multi-factor-authentication": ("164.312(d)",),
    "configuration-management": ("164.308(a)(1)(ii)(B)", "164.310(c)"),
    "anti-malware": ("164.308(a)(5)(ii)(B)",),
    "network-segmentation": ("164.312(a)(1)", "164.308(a)(4)(ii)(A)"),
    "vulnerability-scanning": ("164.308(a)(1)(ii)(A)", "164.308(a)(8)"),
    "penetration-testing": ("164.308(a)(8)",),
    "business-associate-verification": ("164.308(b)(1)", "164.314(a)(1)"),
    "test-review-security-measures": ("164.308(a)(8)",),
}


@dataclass(frozen=True, slots=True)
class BecomesRequired:
    """An addressable specification the proposal would make required, and why it matters."""

    item: Item
    reason: str


@dataclass(frozen=True, slots=True)
class ProposalCheck:
    """A new or more specific requirement and today's status of the safeguards it tightens."""

    proposal: CatalogEntry
    related: tuple[Item, ...]

    @property
    def gaps(self) -> tuple[Item, ...]:
        """Related safeguards not fully in place, or met in a way the proposal would end."""
        return tuple(item for item in self.related if _needs_work(item))

    @property
    def verdict(self) -> str:
        if not self.related:
            return "new: no current safeguard covers it"
        if self.gaps:
            return "related safeguards not fully in place"
        return "related safeguards in place: check the proposed specifics"


@dataclass(frozen=True, slots=True)
class Lens:
    framework: Framework  # the nprm-2025 framework (status: proposed)
    becomes_required: tuple[BecomesRequired, ...]
    addressable_as_specified: int  # addressable specifications already implemented as specified
    proposals: tuple[ProposalCheck, ...]


def _becomes_required(item: Item) -> str | None:
    """Why an addressable specification needs work once it is required; None if it does not."""
    decision = item.facts.recorded.decision
    if decision is Decision.NOT_REASONABLE:
        return (
            "Documented as not reasonable and appropriate; that option would go, and the "
            "specification would have to be implemented."
        )
    if decision is Decision.ALTERNATIVE:
        return (
            "Met by an equivalent alternative measure; the specification itself would be "
            "required (with limited exceptions)."
        )
    if item.shown.is_gap:
        return f"Not fully in place ({item.shown.label}); it would be required."
    return None


def _needs_work(item: Item) -> bool:
    decision = item.facts.recorded.decision
    return item.shown.is_gap or decision in (Decision.ALTERNATIVE, Decision.NOT_REASONABLE)


def lens(framework: Framework, current: Posture) -> Lens:
    """The proposed rule ``framework`` (nprm-2025) applied to an organization's posture."""
    by_id = {item.entry.id: item for item in current.items}
    becoming: list[BecomesRequired] = []
    as_specified = 0
    for item in current.items:
        if item.requirement is not Requirement.ADDRESSABLE:
            continue
        reason = _becomes_required(item)
        if reason is None:
            as_specified += 1
        else:
            becoming.append(BecomesRequired(item, reason))
    proposals = tuple(
        ProposalCheck(
            proposal,
            tuple(by_id[spec] for spec in RELATED.get(proposal.id, ()) if spec in by_id),
        )
        for proposal in framework.entries
        if proposal.id != DISTINCTION_REMOVED
    )
    return Lens(framework, tuple(becoming), as_specified, proposals)


def lens_json(view: Lens) -> dict[str, object]:
    def related(item: Item) -> dict[str, object]:
        return {
            "spec_id": item.entry.id,
            "title": item.entry.title,
            "requirement": str(item.requirement),
            "shown": str(item.shown),
            "shown_label": item.shown.label,
        }

    return {
        "framework": str(view.framework.id),
        "status": str(view.framework.status),
        "title": view.framework.title,
        "as_of": view.framework.as_of,
        "addressable_as_specified": view.addressable_as_specified,
        "becomes_required": [
            {
                **related(b.item),
                "decision": str(b.item.facts.recorded.decision or "") or None,
                "reason": b.reason,
            }
            for b in view.becomes_required
        ],
        "proposals": [
            {
                "id": check.proposal.id,
                "title": check.proposal.title,
                "summary": check.proposal.summary,
                "facts": [{"label": f.label, "value": f.value} for f in check.proposal.facts],
                "from_secondary_summaries": check.proposal.from_secondary_summaries,
                "verdict": check.verdict,
                "related": [related(item) for item in check.related],
            }
            for check in view.proposals
        ],
    }
