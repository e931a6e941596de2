"""What a safeguard's status is, and what it shows as once evidence is taken into account.

Pure: no Django. The model (``models.SafeguardStatus``) stores an ``Implementation`` and, for an
addressable specification, a ``Decision``; the posture and the pages show an ``Shown`` status,
which ``effective_status`` derives from the recorded one and the evidence facts:

- "implemented" with no current evidence shows as *implemented — evidence missing* (or
  *— evidence expired* when all of its evidence has expired), and counts as partially
  implemented: a claim nobody can show an auditor is not yet a safeguard that works (S5, S12);
- "not applicable" on a required specification counts only once someone with the right to
  approve has approved it; until then it shows as *awaiting approval* and counts as not
  implemented.

Evidence facts are a mapping ``entry id -> (current, expired)`` item counts; the evidence app
supplies them (see ``phiward.safeguards.evidence``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from phiward.catalog.catalog import Requirement

# entry id -> (number of current evidence items, number of expired ones)
EvidenceFacts = Mapping[str, tuple[int, int]]


class Implementation(StrEnum):
    """The implementation status an organization records for a standard or specification."""

    IMPLEMENTED = "implemented"
    PARTIAL = "partial"
    PLANNED = "planned"
    NOT_IMPLEMENTED = "not_implemented"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return _IMPLEMENTATION_LABELS[self]


_IMPLEMENTATION_LABELS = {
    Implementation.IMPLEMENTED: "Implemented",
    Implementation.PARTIAL: "Partially implemented",
    Implementation.PLANNED: "Planned",
    Implementation.NOT_IMPLEMENTED: "Not implemented",
    Implementation.NOT_APPLICABLE: "Not applicable",
}


class Decision(StrEnum):
    """The decision 164.306(d)(3) requires for an addressable implementation specification."""

    AS_SPECIFIED = "as_specified"
    ALTERNATIVE = "alternative"
    NOT_REASONABLE = "not_reasonable"

    @property
    def label(self) -> str:
        return _DECISION_LABELS[self]


_DECISION_LABELS = {
    Decision.AS_SPECIFIED: "Implemented as specified",
    Decision.ALTERNATIVE: "Equivalent alternative measure",
    Decision.NOT_REASONABLE: "Not reasonable and appropriate",
}


class Shown(StrEnum):
    """The status as the matrix and the posture show it."""

    IMPLEMENTED = "implemented"
    EVIDENCE_MISSING = "evidence_missing"
    EVIDENCE_EXPIRED = "evidence_expired"
    PARTIAL = "partial"
    PLANNED = "planned"
    NOT_IMPLEMENTED = "not_implemented"
    NA_PENDING = "na_pending"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return _SHOWN_LABELS[self]

    @property
    def counts_as(self) -> Implementation:
        """The implementation status this counts as in the posture."""
        return _COUNTS_AS[self]

    @property
    def tone(self) -> str:
        """The badge class the pages use: good, warn or bad (or "" for neutral)."""
        return _TONES[self]

    @property
    def is_gap(self) -> bool:
        return self not in (Shown.IMPLEMENTED, Shown.NOT_APPLICABLE)


_SHOWN_LABELS = {
    Shown.IMPLEMENTED: "Implemented",
    Shown.EVIDENCE_MISSING: "Implemented — evidence missing",
    Shown.EVIDENCE_EXPIRED: "Implemented — evidence expired",
    Shown.PARTIAL: "Partially implemented",
    Shown.PLANNED: "Planned",
    Shown.NOT_IMPLEMENTED: "Not implemented",
    Shown.NA_PENDING: "Not applicable — awaiting approval",
    Shown.NOT_APPLICABLE: "Not applicable",
}
_COUNTS_AS = {
    Shown.IMPLEMENTED: Implementation.IMPLEMENTED,
    Shown.EVIDENCE_MISSING: Implementation.PARTIAL,
    Shown.EVIDENCE_EXPIRED: Implementation.PARTIAL,
    Shown.PARTIAL: Implementation.PARTIAL,
    Shown.PLANNED: Implementation.PLANNED,
    Shown.NOT_IMPLEMENTED: Implementation.NOT_IMPLEMENTED,
    Shown.NA_PENDING: Implementation.NOT_IMPLEMENTED,
    Shown.NOT_APPLICABLE: Implementation.NOT_APPLICABLE,
}
_TONES = {
    Shown.IMPLEMENTED: "good",
    Shown.EVIDENCE_MISSING: "warn",
    Shown.EVIDENCE_EXPIRED: "warn",
    Shown.PARTIAL: "warn",
    Shown.PLANNED: "warn",
    Shown.NOT_IMPLEMENTED: "bad",
    Shown.NA_PENDING: "bad",
    Shown.NOT_APPLICABLE: "",
}


@dataclass(frozen=True, slots=True)
class Recorded:
    """What an organization recorded for one catalog entry (a standard or a specification)."""

    spec_id: str
    status: Implementation
    requirement: Requirement
    decision: Decision | None = None  # addressable specifications only
    na_approved: bool = False  # a required entry's "not applicable" was approved
    assessed: bool = True  # False: nobody has recorded anything yet (a default row)


def effective_status(status: Recorded, evidence_facts: EvidenceFacts) -> Shown:
    """What ``status`` shows as, given the current/expired evidence counts per entry id."""
    if status.status is Implementation.NOT_APPLICABLE:
        if status.requirement is Requirement.REQUIRED and not status.na_approved:
            return Shown.NA_PENDING
        return Shown.NOT_APPLICABLE
    if status.status is Implementation.IMPLEMENTED:
        current, expired = evidence_facts.get(status.spec_id, (0, 0))
        if current > 0:
            return Shown.IMPLEMENTED
        return Shown.EVIDENCE_EXPIRED if expired > 0 else Shown.EVIDENCE_MISSING
    return Shown(status.status.value)


def rolled_up(
    facts: EvidenceFacts, children: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[int, int]]:
    """Evidence facts with each standard also counting its specifications' evidence.

    ``children`` maps a standard's id to its specifications' ids: evidence of the risk analysis
    (164.308(a)(1)(ii)(A)) is evidence of the security management process (164.308(a)(1)) too.
    """
    merged: dict[str, tuple[int, int]] = {key: (value[0], value[1]) for key, value in facts.items()}
    for parent, kids in children.items():
        current, expired = facts.get(parent, (0, 0))
        for kid in kids:
            kid_current, kid_expired = facts.get(kid, (0, 0))
            current, expired = current + kid_current, expired + kid_expired
        if current or expired:
            merged[parent] = (current, expired)
    return merged
