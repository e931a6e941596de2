"""Properties over generated incidents: the canonical form round-trips, clocks never run
backwards, and every citation the engine emits is a paragraph of the shipped catalog."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phiward.breach import Assessment, Outcome, assess_document, parse_facts
from phiward.breach.facts import EXCEPTION_CONDITIONS, JURISDICTIONS, RISK_FACTORS
from phiward.catalog import catalog

D = dt.date
DAYS = st.integers(min_value=0, max_value=200)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, object]:
    """Valid fact documents covering every branch of the engine."""
    role = draw(st.sampled_from(["covered_entity", "business_associate"]))
    discovered = draw(st.dates(min_value=D(2010, 1, 1), max_value=D(2030, 12, 31)))
    occurred = draw(
        st.one_of(st.just("unknown"), st.dates(min_value=D(2009, 9, 23), max_value=discovered))
    )
    later = [discovered]

    def after(start: dt.date) -> dt.date:
        day = start + dt.timedelta(days=draw(DAYS))
        later.append(day)
        return day

    dates: dict[str, object] = {"occurred_on": occurred, "discovered_on": discovered}
    doc: dict[str, object] = {"entity": {"role": role}, "dates": dates}
    if role == "business_associate" and draw(st.booleans()):
        doc["business_associate"] = {"notified_covered_entity_on": after(discovered)}
    if role == "covered_entity" and draw(st.booleans()):
        dates["notified_by_business_associate_on"] = after(discovered)
    if not draw(st.integers(0, 9)):
        doc["phi"] = {"involved": False}
    else:
        permitted = not draw(st.integers(0, 9))
        doc["phi"] = {
            "involved": True,
            "permitted": permitted,
            "permitted_basis": "Treatment." if permitted else "",
        }
        doc["individuals"] = draw(individuals())
        doc["safe_harbor"] = draw(safe_harbors())
        if draw(st.booleans()):
            kind = draw(st.sampled_from(sorted(EXCEPTION_CONDITIONS)))
            doc["exception"] = {
                "claimed": str(kind),
                "explanation": "Documented.",
                "conditions": {
                    name: draw(st.sampled_from([True, True, "unknown"]))
                    for name, _ in EXCEPTION_CONDITIONS[kind]
                },
            }
        if draw(st.booleans()):
            risk: dict[str, object] = {
                name: {"answer": "Answer.", "rating": draw(st.sampled_from(["low", "high"]))}
                for name, _, _ in RISK_FACTORS
                if draw(st.integers(0, 4))
            }
            risk["conclusion"] = draw(
                st.sampled_from([None, "low_probability", "not_low_probability"])
            )
            doc["risk_assessment"] = risk
        law: dict[str, object] = {}
        if draw(st.booleans()):
            law["oral"] = {"stated_on": after(discovered), "official": "Det. Roe"}
        if draw(st.booleans()):
            law["written"] = {"received_on": after(discovered), "delay_days": draw(DAYS) + 1}
        doc["law_enforcement"] = law
    if draw(st.booleans()):
        dates["as_of"] = after(max(later))
    return doc


@st.composite
def individuals(draw: st.DrawFn) -> dict[str, object]:
    total = draw(st.integers(min_value=1, max_value=3000))
    budget = total
    by_state: dict[str, int] = {}
    for state in draw(st.lists(st.sampled_from(sorted(JURISDICTIONS)), max_size=4, unique=True)):
        count = draw(st.integers(0, budget))
        by_state[state] = count
        budget -= count
    budget = total
    known = draw(st.integers(0, min(budget, 20)))
    unknown = draw(st.integers(0, min(budget - known, 20)))
    insufficient = draw(st.integers(0, min(budget - known - unknown, 40)))
    return {
        "total": total,
        "estimated": draw(st.booleans()),
        "by_state": by_state,
        "deceased": {"next_of_kin_known": known, "next_of_kin_unknown": unknown},
        "insufficient_contact": insufficient,
    }


@st.composite
def safe_harbors(draw: st.DrawFn) -> dict[str, object]:
    harbor: dict[str, object] = {}
    if draw(st.booleans()):
        harbor["encryption"] = {
            "encrypted": True,
            "standard": draw(st.sampled_from(["nist-sp-800-111", "nist-sp-800-52", "other"])),
            "key_compromised": draw(st.sampled_from([True, False, "unknown"])),
        }
    if not draw(st.integers(0, 4)):
        harbor["destruction"] = {
            "destroyed": True,
            "method": draw(st.sampled_from(["paper-shredded", "redacted"])),
        }
    return harbor


COMMON = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(documents())
def test_canonical_form_round_trips(doc: dict[str, object]) -> None:
    facts = parse_facts(doc)
    assert parse_facts(facts.to_dict()) == facts


@COMMON
@given(documents())
def test_due_dates_never_before_discovery(doc: dict[str, object]) -> None:
    """164.404(b), 164.406(b), 164.408, 164.410(b), 164.412: clocks run forward from discovery;
    a delayed notice is never due before its delay ends."""
    result = assess_document(doc)
    discovered = result.facts.dates.discovered_on
    assert bool(result.obligations) is (result.determination.outcome is Outcome.BREACH)
    for obligation in result.obligations:
        assert obligation.due_on is not None
        assert obligation.due_on >= discovered
        if obligation.delayed_until is not None:
            assert obligation.due_on >= obligation.delayed_until
        elif obligation.key != "hhs-annual-log":
            assert obligation.due_on == discovered + dt.timedelta(days=60)
    if result.facts.entity.role == "business_associate":
        assert all(o.key == "covered-entity" for o in result.obligations)


def citations(result: Assessment) -> set[str]:
    found = {step.citation for step in result.determination.steps}
    found |= {step.catalog_entry for step in result.determination.steps}
    for obligation in result.obligations:
        found |= {obligation.citation, *obligation.related_citations}
    return found


@COMMON
@given(documents())
def test_every_citation_resolves_in_the_catalog(doc: dict[str, object]) -> None:
    """Every paragraph a step or an obligation cites is an entry of the hipaa-breach catalog."""
    framework = catalog.load(catalog.FrameworkId.HIPAA_BREACH)
    for citation in citations(assess_document(doc)):
        assert citation.startswith("45 CFR ") or ":" in citation or citation[0].isdigit()
        assert framework.get(citation) is not None, citation


def test_citations_of_every_branch_resolve_in_the_catalog() -> None:
    """The same, for documents that reach every step and obligation the engine has."""
    from tests.breach.test_determination import EXCEPTIONS, FOUR_FACTORS
    from tests.breach.test_facts import document

    documents = [
        document(phi={"involved": False}, individuals=None),
        document(phi={"involved": True, "permitted": True, "permitted_basis": "TPO."}),
        document(
            safe_harbor={"destruction": {"destroyed": True, "method": "paper-shredded"}},
        ),
        document(risk_assessment={**FOUR_FACTORS, "conclusion": "low_probability"}),
        document(risk_assessment={"conclusion": "low_probability"}),
        document(
            entity={"role": "business_associate"},
            law_enforcement={"oral": {"stated_on": "2026-03-06", "official": "Det. Roe"}},
        ),
        document(
            individuals={
                "total": 1500,
                "by_state": {"MA": 900},
                "deceased": {"next_of_kin_known": 1},
                "insufficient_contact": 10,
            },
            law_enforcement={
                "oral": {"stated_on": "2026-03-06", "official": "Det. Roe"},
                "written": {"received_on": "2026-03-07", "delay_days": 90},
            },
        ),
        document(individuals={"total": 20, "insufficient_contact": 3}),
        *(
            document(exception={"claimed": kind, "explanation": "x", "conditions": conditions})
            for kind, conditions in EXCEPTIONS.items()
        ),
    ]
    framework = catalog.load(catalog.FrameworkId.HIPAA_BREACH)
    seen: set[str] = set()
    for doc in documents:
        seen |= citations(assess_document(doc))
    missing = sorted(c for c in seen if framework.get(c) is None)
    assert missing == []
    keys = {o.key.split(":")[0] for doc in documents for o in assess_document(doc).obligations}
    assert keys == {
        "individuals",
        "next-of-kin",
        "substitute-notice",
        "substitute-toll-free",
        "media",
        "media-unresolved",
        "hhs",
        "hhs-annual-log",
        "covered-entity",
    }
