"""The posture engine: counts, the score, the gaps, per family and required/addressable."""

from __future__ import annotations

from phiward.catalog import catalog
from phiward.catalog.catalog import CatalogEntry, Family, FrameworkId, Requirement
from phiward.safeguards.posture import (
    RiskRef,
    SafeguardFacts,
    Tally,
    posture,
    posture_json,
    tally,
)
from phiward.safeguards.status import Decision, Implementation, Recorded, Shown

IMPL = Implementation
SECURITY = catalog.load(FrameworkId.HIPAA_SECURITY)


def entry(spec: str) -> CatalogEntry:
    found = SECURITY.get(spec)
    assert found is not None
    return found


def facts(
    spec: str,
    status: Implementation,
    *,
    approved: bool = False,
    decision: Decision | None = None,
    risks: tuple[RiskRef, ...] = (),
    assessed: bool = True,
) -> SafeguardFacts:
    item = entry(spec)
    assert item.requirement is not None
    return SafeguardFacts(
        entry=item,
        recorded=Recorded(
            spec_id=item.id,
            status=status,
            requirement=item.requirement,
            decision=decision,
            na_approved=approved,
            assessed=assessed,
        ),
        risks=risks,
    )


def test_technical_family_score_and_counts() -> None:
    statuses = [
        facts("164.312(a)(1)", IMPL.IMPLEMENTED),  # with evidence: 1
        facts("164.312(a)(2)(i)", IMPL.IMPLEMENTED),  # no evidence: counts 0.5
        facts("164.312(a)(2)(ii)", IMPL.PARTIAL),  # 0.5
        facts("164.312(a)(2)(iii)", IMPL.PLANNED, decision=Decision.AS_SPECIFIED),  # 0
        facts("164.312(b)", IMPL.NOT_IMPLEMENTED),  # 0
        facts("164.312(c)(2)", IMPL.NOT_APPLICABLE, decision=Decision.NOT_REASONABLE),  # out
        facts("164.312(d)", IMPL.NOT_APPLICABLE),  # required, pending: counts as not implemented
        facts("164.312(e)(1)", IMPL.NOT_APPLICABLE, approved=True),  # out
    ]
    result = posture(statuses, {"164.312(a)(1)": (1, 0)})
    (technical,) = result.families
    t = technical.tallies.overall
    assert technical.family is Family.TECHNICAL
    assert (t.total, t.applicable) == (8, 6)
    assert (t.implemented, t.partial, t.planned, t.not_implemented, t.not_applicable) == (
        1,
        2,
        1,
        2,
        2,
    )
    assert t.count(Shown.EVIDENCE_MISSING) == 1
    assert t.count(Shown.NA_PENDING) == 1
    assert t.score == (1 + 0.5 + 0.5) / 6
    assert t.percent == 33
    # Required: (a)(1), (a)(2)(i), (a)(2)(ii), (b), (d) pending, (e)(1) approved n/a.
    assert (technical.tallies.required.total, technical.tallies.required.applicable) == (6, 5)
    assert technical.tallies.required.score == (1 + 0.5 + 0.5) / 5
    # Addressable: (a)(2)(iii) planned and (c)(2) not reasonable (n/a).
    assert technical.tallies.addressable.applicable == 1
    assert technical.tallies.addressable.score == 0.0


def test_gaps_are_entries_not_fully_in_place_with_their_risks() -> None:
    risk = RiskRef(id=7, reference="R-007", title="Ransomware", level="high", open=True)
    statuses = [
        facts("164.308(a)(1)", IMPL.IMPLEMENTED),
        facts("164.308(a)(1)(ii)(A)", IMPL.IMPLEMENTED),
        facts("164.308(a)(1)(ii)(B)", IMPL.PARTIAL, risks=(risk,)),
        facts("164.308(a)(1)(ii)(C)", IMPL.PLANNED),
        facts("164.308(a)(1)(ii)(D)", IMPL.NOT_IMPLEMENTED, assessed=False),
        facts("164.308(a)(4)(ii)(A)", IMPL.NOT_APPLICABLE),  # pending approval
        facts("164.314(b)(1)", IMPL.NOT_APPLICABLE, approved=True),
    ]
    evidence = {"164.308(a)(1)": (1, 0), "164.308(a)(1)(ii)(A)": (0, 1)}
    result = posture(statuses, evidence)
    gaps = {gap.entry.id: gap.shown for gap in result.gaps}
    assert gaps == {
        "164.308(a)(1)(ii)(A)": Shown.EVIDENCE_EXPIRED,
        "164.308(a)(1)(ii)(B)": Shown.PARTIAL,
        "164.308(a)(1)(ii)(C)": Shown.PLANNED,
        "164.308(a)(1)(ii)(D)": Shown.NOT_IMPLEMENTED,
        "164.308(a)(4)(ii)(A)": Shown.NA_PENDING,
    }
    assert [g.entry.id for g in result.gaps] == list(gaps)  # catalog order
    risky = next(g for g in result.gaps if g.entry.id == "164.308(a)(1)(ii)(B)")
    assert risky.facts.risks == (risk,)
    assert result.tallies.overall.unassessed == 1
    assert result.tallies.overall.gaps == 5
    assert [f.family for f in result.families] == [Family.ADMINISTRATIVE, Family.ORGANIZATIONAL]


def test_nothing_applicable_has_no_score() -> None:
    result = posture([facts("164.314(b)(1)", IMPL.NOT_APPLICABLE, approved=True)], {})
    assert result.tallies.overall.score is None
    assert result.tallies.overall.percent is None
    assert result.tallies.addressable.total == 0
    assert result.tallies.addressable.score is None


def test_every_entry_unassessed_scores_zero() -> None:
    every = [
        facts(item.id, IMPL.NOT_IMPLEMENTED, assessed=False)
        for item in SECURITY.entries
        if item.requirement is not None
    ]
    result = posture(every, {})
    assert result.tallies.overall.total == 68
    assert result.tallies.overall.score == 0.0
    assert result.tallies.overall.unassessed == 68
    assert len(result.gaps) == 68
    assert result.tallies.addressable.total == 22
    assert result.tallies.required.total == 46
    assert [f.family for f in result.families] == list(Family)


def test_all_implemented_with_evidence_scores_one() -> None:
    every = [
        facts(
            item.id,
            IMPL.IMPLEMENTED,
            decision=Decision.AS_SPECIFIED if item.requirement is Requirement.ADDRESSABLE else None,
        )
        for item in SECURITY.entries
        if item.requirement is not None
    ]
    result = posture(every, {item.entry.id: (1, 0) for item in every})
    assert result.tallies.overall.score == 1.0
    assert result.gaps == ()


def test_json_has_counts_scores_and_gaps() -> None:
    risk = RiskRef(id=3, reference="R-003", title="Phishing", level="", open=True)
    result = posture(
        [
            facts("164.312(b)", IMPL.IMPLEMENTED),
            facts("164.312(d)", IMPL.PLANNED, risks=(risk,)),
        ],
        {"164.312(b)": (1, 0)},
    )
    data = posture_json(result)
    overall = data["overall"]
    assert isinstance(overall, dict)
    assert overall["score"] == 0.5
    assert overall["counts"] == {
        "implemented": 1,
        "partial": 0,
        "planned": 1,
        "not_implemented": 0,
        "not_applicable": 0,
    }
    assert data["gaps"] == [
        {
            "spec_id": "164.312(d)",
            "key": "164.312-d",
            "title": "Person or entity authentication",
            "family": "technical",
            "requirement": "required",
            "status": "planned",
            "shown": "planned",
            "shown_label": "Planned",
            "owner": None,
            "risks": [
                {"id": 3, "reference": "R-003", "title": "Phishing", "level": None, "open": True}
            ],
        }
    ]


def test_empty_tally() -> None:
    empty: Tally = tally([])
    assert (empty.total, empty.applicable, empty.score, empty.gaps) == (0, 0, None, 0)
