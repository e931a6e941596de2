"""``effective_status``: evidence and approvals change what a recorded status shows as."""

from __future__ import annotations

import pytest

from phiward.catalog.catalog import Requirement
from phiward.safeguards.status import Implementation, Recorded, Shown, effective_status, rolled_up

SPEC = "164.312(a)(2)(iv)"
REQ, ADDR = Requirement.REQUIRED, Requirement.ADDRESSABLE


def recorded(
    status: Implementation, requirement: Requirement = ADDR, *, na_approved: bool = False
) -> Recorded:
    return Recorded(spec_id=SPEC, status=status, requirement=requirement, na_approved=na_approved)


@pytest.mark.parametrize(
    ("facts", "shown"),
    [
        ({SPEC: (1, 0)}, Shown.IMPLEMENTED),
        ({SPEC: (2, 5)}, Shown.IMPLEMENTED),  # expired items beside a current one do not matter
        ({SPEC: (0, 3)}, Shown.EVIDENCE_EXPIRED),  # its only evidence has expired
        ({SPEC: (0, 0)}, Shown.EVIDENCE_MISSING),
        ({}, Shown.EVIDENCE_MISSING),
        ({"164.312(b)": (4, 0)}, Shown.EVIDENCE_MISSING),  # another entry's evidence
    ],
)
def test_implemented_needs_current_evidence(
    facts: dict[str, tuple[int, int]], shown: Shown
) -> None:
    assert effective_status(recorded(Implementation.IMPLEMENTED), facts) is shown


def test_evidence_missing_or_expired_counts_as_partial() -> None:
    assert Shown.EVIDENCE_MISSING.counts_as is Implementation.PARTIAL
    assert Shown.EVIDENCE_EXPIRED.counts_as is Implementation.PARTIAL
    assert Shown.EVIDENCE_MISSING.label == "Implemented — evidence missing"
    assert Shown.IMPLEMENTED.counts_as is Implementation.IMPLEMENTED


@pytest.mark.parametrize(
    "status",
    [Implementation.PARTIAL, Implementation.PLANNED, Implementation.NOT_IMPLEMENTED],
)
def test_other_statuses_ignore_evidence(status: Implementation) -> None:
    assert effective_status(recorded(status), {}) is Shown(status.value)
    assert effective_status(recorded(status), {SPEC: (3, 0)}) is Shown(status.value)


def test_required_not_applicable_counts_only_once_approved() -> None:
    pending = recorded(Implementation.NOT_APPLICABLE, REQ)
    approved = recorded(Implementation.NOT_APPLICABLE, REQ, na_approved=True)
    assert effective_status(pending, {}) is Shown.NA_PENDING
    assert Shown.NA_PENDING.counts_as is Implementation.NOT_IMPLEMENTED
    assert effective_status(approved, {}) is Shown.NOT_APPLICABLE


def test_addressable_not_applicable_needs_no_approval() -> None:
    assert effective_status(recorded(Implementation.NOT_APPLICABLE), {}) is Shown.NOT_APPLICABLE


def test_standards_count_their_specifications_evidence() -> None:
    children = {"164.308(a)(1)": ("164.308(a)(1)(ii)(A)", "164.308(a)(1)(ii)(B)")}
    facts = {"164.308(a)(1)(ii)(A)": (1, 0), "164.308(a)(1)(ii)(B)": (0, 2), "164.312(b)": (1, 1)}
    merged = rolled_up(facts, children)
    assert merged["164.308(a)(1)"] == (1, 2)
    assert merged["164.312(b)"] == (1, 1)
    assert merged["164.308(a)(1)(ii)(A)"] == (1, 0)
    assert "164.310(b)" not in rolled_up(facts, {"164.310(b)": ()})
