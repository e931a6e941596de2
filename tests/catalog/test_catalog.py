"""The shipped catalog: counts, the known quirks, NIST guidance, lookups and search."""

from __future__ import annotations

import pytest

from phiward.catalog import catalog
from phiward.catalog.catalog import (
    EntryKind,
    Family,
    FrameworkStatus,
    Requirement,
    entry_key,
    normalize_citation,
)
from phiward.core.errors import NotFound

STANDARD = EntryKind.STANDARD
SPEC = EntryKind.IMPLEMENTATION_SPECIFICATION


@pytest.fixture(scope="module")
def security() -> catalog.Framework:
    return catalog.load("hipaa-security")


def count(entries: tuple[catalog.CatalogEntry, ...], **wanted: object) -> int:
    return sum(all(getattr(e, name) == value for name, value in wanted.items()) for e in entries)


def test_appendix_a_scope(security: catalog.Framework) -> None:
    appendix = tuple(e for e in security.entries if e.in_appendix_a)
    assert count(appendix, kind=STANDARD) == 18
    assert count(appendix, kind=SPEC) == 36
    assert count(appendix, kind=SPEC, requirement=Requirement.REQUIRED) == 14
    assert count(appendix, kind=SPEC, requirement=Requirement.ADDRESSABLE) == 22
    assert {e.family for e in appendix} == {
        Family.ADMINISTRATIVE,
        Family.PHYSICAL,
        Family.TECHNICAL,
    }


def test_whole_security_rule(security: catalog.Framework) -> None:
    assert count(security.entries, kind=STANDARD) == 22
    assert count(security.entries, kind=SPEC) == 46
    assert len(security.entries) == 68
    assert security.status is FrameworkStatus.FINAL


def test_standards_are_required_and_specs_hang_under_a_standard(
    security: catalog.Framework,
) -> None:
    for item in security.entries:
        assert item.text
        assert item.summary
        assert item.family is not None
        if item.kind is STANDARD:
            assert item.requirement is Requirement.REQUIRED
            assert item.parent is None
        else:
            parent = security.parent_of(item)
            assert parent is not None
            assert parent.kind is STANDARD
            assert parent.family is item.family


def test_requirement_agrees_with_the_regulation_text(security: catalog.Framework) -> None:
    for item in security.entries:
        if "(Addressable)" in item.text:
            assert item.requirement is Requirement.ADDRESSABLE, item.id
        if "(Required)" in item.text:
            assert item.requirement is Requirement.REQUIRED, item.id


def test_quirk_workforce_clearance_is_addressable(security: catalog.Framework) -> None:
    item = catalog.entry("hipaa-security", "164.308(a)(3)(ii)(B)")
    assert item.title == "Workforce clearance procedure"
    assert item.requirement is Requirement.ADDRESSABLE
    assert "(Addressable)" in item.text
    assert [q.id for q in security.quirks_for(item)] == ["appendix-a-workforce-clearance"]


def test_quirk_written_contract_sits_at_b3(security: catalog.Framework) -> None:
    item = catalog.entry("hipaa-security", "164.308(b)(3)")
    assert item.title == "Written contract or other arrangement"
    assert item.parent == "164.308(b)(1)"
    assert item.requirement is Requirement.REQUIRED
    assert item.in_appendix_a
    assert security.get("164.308(b)(4)") is None
    assert security.get("164.308(b)(2)") is None  # kept as an element of the standard
    quirk_ids = {q.id for q in security.quirks_for(item)}
    assert quirk_ids == {"appendix-a-written-contract", "nist-written-contract"}


def test_quirk_cross_reference_to_missing_308_b_4(security: catalog.Framework) -> None:
    item = catalog.entry("hipaa-security", "164.314(a)(2)(iii)")
    assert "§ 164.308(b)(4)" in item.text
    (quirk,) = security.quirks_for(item)
    assert quirk.id == "cfr-nonexistent-308-b-4"
    assert quirk.source_citation == "164.308(b)(4)"
    assert "does not exist" in quirk.note


def test_nist_written_contract_maps_to_b3(security: catalog.Framework) -> None:
    item = catalog.entry("hipaa-security", "164.308(b)(3)")
    assert item.nist_ids == ("164.308(b)(4)",)
    (activity,) = security.key_activities_for(item)
    assert activity.id == "KA_164.308(b)(1).3"
    assert activity.addresses == ("164.308(b)(3)",)
    assert activity.nist_addresses == ("164.308(b)(4)",)


def test_nist_ba_incident_reporting_maps_to_a2i_element_c(security: catalog.Framework) -> None:
    contract = catalog.entry("hipaa-security", "164.314(a)(2)(i)")
    assert "164.314(a)(3)(i)" in contract.nist_ids
    assert [e.citation for e in contract.elements][-1] == "164.314(a)(2)(i)(C)"
    assert "Report to the covered entity any security incident" in contract.elements[-1].text
    reporting = [
        ka
        for ka in security.key_activities_for(contract)
        if "164.314(a)(3)(i)" in ka.nist_addresses
    ]
    assert [ka.id for ka in reporting] == ["KA_164.314(a).3"]
    assert reporting[0].addresses == ("164.314(a)(2)(i)",)
    quirk = next(q for q in security.quirks if q.id == "nist-ba-incident-reporting")
    assert quirk.source_citation == "164.314(a)(3)(i)"
    assert "164.314(a)(2)(i)(C)" in quirk.note
    assert security.get("164.314(a)(3)(i)") is None


def test_nist_cites_standards_without_their_trailing_1(security: catalog.Framework) -> None:
    assert catalog.entry("hipaa-security", "164.310(a)(1)").nist_ids == ("164.310(a)",)
    assert catalog.entry("hipaa-security", "164.308(a)(1)").nist_ids == ("164.308(a)(1)",)


def test_nist_key_activities_and_questions(security: catalog.Framework) -> None:
    standards = [e for e in security.entries if e.kind is STANDARD]
    activities = [ka for s in standards for ka in s.key_activities]
    assert len(activities) == 104
    assert len({ka.id for ka in activities}) == 104
    assert sum(ka.question_count for ka in activities) == 501
    assert all(s.key_activities for s in standards)
    assert all(ka.standard == s.id for s in standards for ka in s.key_activities)
    specs = [e for e in security.entries if e.kind is SPEC]
    assert all(security.key_activities_for(spec) for spec in specs)
    first = standards[0].key_activities
    assert [ka.number for ka in first] == sorted(ka.number for ka in first)


def test_crosswalks_point_to_nist_publications(security: catalog.Framework) -> None:
    crosswalks = [c for e in security.entries for c in e.crosswalks]
    assert len(crosswalks) == 107
    risk = catalog.entry("hipaa-security", "164.308(a)(1)")
    sp800_53 = next(c for c in risk.crosswalks if c.reference == "SP 800-53")
    assert sp800_53.url.endswith("NIST.SP.800-53r5")


def test_breach_rule_layout() -> None:
    breach = catalog.load("hipaa-breach")
    sections = [e for e in breach.entries if e.kind is EntryKind.SECTION]
    assert [s.id for s in sections] == [f"164.4{n:02d}" for n in range(0, 15, 2)]
    assert sections[2].title == "Notification to individuals"
    assert all(e.requirement is None for e in breach.entries)
    timeliness = catalog.entry("hipaa-breach", "164.404(b)")
    assert timeliness.parent == "164.404"
    assert "60 calendar days" in timeliness.text
    assert ("Outer limit", "60 calendar days") in [(f.label, f.value) for f in timeliness.facts]
    assert [e.id for e in breach.entries if e.citation == "164.402" and e.parent] == [
        "164.402:breach",
        "164.402:unsecured-phi",
    ]
    assert catalog.entry("hipaa-breach", "164.408(a)").text.startswith("(a) Standard.")
    kin = catalog.entry("hipaa-breach", "164.404(d)(2)")
    assert kin.facts[0].value == "not required"


def test_nprm_is_flagged_proposed() -> None:
    nprm = catalog.load("nprm-2025")
    assert nprm.status is FrameworkStatus.PROPOSED
    assert nprm.is_proposed
    assert "not final" in nprm.title
    assert any("PROPOSED ONLY" in note for note in nprm.notes)
    assert all(e.kind is EntryKind.PROPOSAL and e.requirement is None for e in nprm.entries)
    patch = catalog.entry("nprm-2025", "patch-management")
    assert patch.from_secondary_summaries
    assert patch.source.startswith("secondary only")
    assert not catalog.entry("nprm-2025", "encryption").from_secondary_summaries
    scan = catalog.entry("nprm-2025", "vulnerability-scanning")
    assert scan.citation == "164.312(h)(2)(i)"
    assert scan.from_secondary_summaries
    assert any("unverified" in note for note in scan.notes)
    assert [p.id for p in catalog.frameworks() if p.is_proposed] == ["nprm-2025"]


def test_keys_are_url_safe_and_unique() -> None:
    for framework in catalog.frameworks():
        keys = [e.key for e in framework.entries]
        assert len(set(keys)) == len(keys)
        assert all(k.replace("-", "").replace(".", "").isalnum() for k in keys)
    assert entry_key("164.308(a)(1)(ii)(A)") == "164.308-a-1-ii-A"
    assert entry_key("164.402:unsecured-phi") == "164.402-unsecured-phi"


@pytest.mark.parametrize(
    "asked", ["164.308(a)(1)(ii)(A)", "164.308-a-1-ii-A", "45 CFR § 164.308(a)(1)(ii)(A)"]
)
def test_entry_by_id_key_or_formal_citation(asked: str) -> None:
    assert catalog.entry("hipaa-security", asked).title == "Risk analysis"
    assert normalize_citation("§ 164.308 (a)(1)") == "164.308(a)(1)"


def test_unknown_entry_and_framework_raise_not_found() -> None:
    with pytest.raises(NotFound, match=r"no entry '164\.999' in catalog framework"):
        catalog.entry("hipaa-security", "164.999")
    with pytest.raises(NotFound, match="no catalog framework 'hipaa-privacy'"):
        catalog.load("hipaa-privacy")
    with pytest.raises(NotFound):
        catalog.find("164.308-a-1-ii-Z")
    framework, item = catalog.find("164.410-b")
    assert (framework.id, item.id) == ("hipaa-breach", "164.410(b)")


def test_search_filters(security: catalog.Framework) -> None:
    addressable = catalog.search(security, requirement=Requirement.ADDRESSABLE)
    assert len(addressable) == 22
    assert all(e.kind is SPEC for e in addressable)
    technical = catalog.search(security, family=Family.TECHNICAL)
    assert {e.id for e in technical} >= {"164.312(a)(1)", "164.312(e)(2)(ii)"}
    assert len(technical) == 12
    found = catalog.search(security, query="ENCRYPTION decrypt")
    # The standard matches through its key activity "... Encryption and Decryption ...".
    assert [e.id for e in found] == ["164.312(a)(1)", "164.312(a)(2)(iv)"]
    assert catalog.search(security, query="decrypt", kind=SPEC) == found[1:]
    assert catalog.search(security, query="164.310(d)") == tuple(
        e for e in security.entries if e.id.startswith("164.310(d)")
    )
    assert catalog.search(security, query="45 CFR § 164.312(b)")[0].id == "164.312(b)"
    assert catalog.search(security, query="zebra") == ()


def test_grouped_keeps_standards_as_heads(security: catalog.Framework) -> None:
    found = catalog.search(security, requirement=Requirement.ADDRESSABLE, family=Family.PHYSICAL)
    groups = catalog.grouped(security, found)
    assert [(g.head.id, g.head_matches) for g in groups] == [
        ("164.310(a)(1)", False),
        ("164.310(d)(1)", False),
    ]
    assert [m.id for m in groups[1].members] == ["164.310(d)(2)(iii)", "164.310(d)(2)(iv)"]
    everything = catalog.grouped(security, security.entries)
    assert len(everything) == 22
    assert sum(1 + len(g.members) for g in everything) == 68
