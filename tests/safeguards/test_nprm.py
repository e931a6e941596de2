"""The 2025 proposed rule lens: what would additionally be required of an organization."""

from __future__ import annotations

from phiward.catalog import catalog
from phiward.catalog.catalog import FrameworkId, Requirement
from phiward.safeguards.nprm import DISTINCTION_REMOVED, RELATED, lens, lens_json
from phiward.safeguards.posture import SafeguardFacts, posture
from phiward.safeguards.status import Decision, Implementation, Recorded

SECURITY = catalog.load(FrameworkId.HIPAA_SECURITY)
NPRM = catalog.load(FrameworkId.NPRM_2025)
IMPL = Implementation


def test_mapping_names_real_entries_and_covers_every_proposal() -> None:
    proposals = {entry.id for entry in NPRM.entries}
    assert DISTINCTION_REMOVED in proposals
    assert set(RELATED) == proposals - {DISTINCTION_REMOVED}
    for proposal, specs in RELATED.items():
        assert specs, proposal
        for spec in specs:
            found = SECURITY.get(spec)
            assert found is not None and found.id == spec, (proposal, spec)
            assert found.requirement is not None


def _all(overrides: dict[str, tuple[Implementation, Decision | None]]) -> list[SafeguardFacts]:
    found = []
    for item in SECURITY.entries:
        if item.requirement is None:
            continue
        addressable = item.requirement is Requirement.ADDRESSABLE
        status, decision = overrides.get(
            item.id, (IMPL.IMPLEMENTED, Decision.AS_SPECIFIED if addressable else None)
        )
        found.append(
            SafeguardFacts(
                entry=item,
                recorded=Recorded(item.id, status, item.requirement, decision=decision),
            )
        )
    return found


def test_addressable_decisions_that_would_no_longer_do() -> None:
    statuses = _all(
        {
            "164.312(a)(2)(iv)": (IMPL.NOT_APPLICABLE, Decision.NOT_REASONABLE),
            "164.312(e)(2)(ii)": (IMPL.IMPLEMENTED, Decision.ALTERNATIVE),
            "164.308(a)(5)(ii)(A)": (IMPL.PLANNED, Decision.AS_SPECIFIED),
        }
    )
    evidence = {s.entry.id: (1, 0) for s in statuses}
    view = lens(NPRM, posture(statuses, evidence))
    becoming = {b.item.entry.id: b.reason for b in view.becomes_required}
    assert set(becoming) == {"164.312(a)(2)(iv)", "164.312(e)(2)(ii)", "164.308(a)(5)(ii)(A)"}
    assert "not reasonable and appropriate" in becoming["164.312(a)(2)(iv)"]
    assert "alternative" in becoming["164.312(e)(2)(ii)"]
    assert "Planned" in becoming["164.308(a)(5)(ii)(A)"]
    assert view.addressable_as_specified == 22 - 3
    # Encryption is a new requirement too: at rest it is not done, in transit only by an
    # alternative the proposal would no longer accept.
    encryption = next(c for c in view.proposals if c.proposal.id == "encryption")
    assert [i.entry.id for i in encryption.gaps] == ["164.312(a)(2)(iv)", "164.312(e)(2)(ii)"]
    assert encryption.verdict == "related safeguards not fully in place"
    mfa = next(c for c in view.proposals if c.proposal.id == "multi-factor-authentication")
    assert mfa.gaps == ()
    assert mfa.verdict == "related safeguards in place: check the proposed specifics"
    assert len(view.proposals) == len(NPRM.entries) - 1


def test_evidence_missing_makes_an_addressable_spec_need_work() -> None:
    statuses = _all({})
    evidence = {s.entry.id: (1, 0) for s in statuses if s.entry.id != "164.310(d)(2)(iv)"}
    view = lens(NPRM, posture(statuses, evidence))
    assert [b.item.entry.id for b in view.becomes_required] == ["164.310(d)(2)(iv)"]
    backups = next(c for c in view.proposals if c.proposal.id == "backups")
    assert [i.entry.id for i in backups.gaps] == ["164.310(d)(2)(iv)"]


def test_json_says_it_is_proposed() -> None:
    statuses = _all({"164.312(a)(2)(iv)": (IMPL.NOT_APPLICABLE, Decision.NOT_REASONABLE)})
    data = lens_json(lens(NPRM, posture(statuses, {})))
    assert data["status"] == "proposed"
    assert data["framework"] == "nprm-2025"
    becoming = data["becomes_required"]
    assert isinstance(becoming, list)
    first = next(b for b in becoming if b["spec_id"] == "164.312(a)(2)(iv)")
    assert first["decision"] == "not_reasonable"
    proposals = data["proposals"]
    assert isinstance(proposals, list)
    scanning = next(p for p in proposals if p["id"] == "vulnerability-scanning")
    assert scanning["facts"] == [{"label": "At least every", "value": "6 months"}]
    assert scanning["from_secondary_summaries"] is True
