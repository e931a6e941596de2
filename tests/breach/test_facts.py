"""Reading an incident's facts: the schema, every problem named by its field path, contradictions.

Also the document builder the other breach tests use (``document``, ``facts``).
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from phiward.breach.facts import (
    BreachFacts,
    Conclusion,
    EncryptionStandard,
    EntityRole,
    ExceptionKind,
    Rating,
    parse_facts,
)
from phiward.core.errors import InputProblems

Doc = dict[str, object]


def document(**sections: object) -> Doc:
    """A valid covered-entity breach document; a section given as ``None`` is left out."""
    doc: Doc = {
        "entity": {"role": "covered_entity", "name": "Riverside Family Clinic"},
        "dates": {"occurred_on": "2026-03-01", "discovered_on": "2026-03-05"},
        "phi": {"involved": True, "permitted": False, "types": ["full name", "diagnosis"]},
        "individuals": {"total": 10},
    }
    for name, value in sections.items():
        if value is None:
            doc.pop(name, None)
        else:
            doc[name] = copy.deepcopy(value)
    return doc


def facts(**sections: object) -> BreachFacts:
    return parse_facts(document(**sections))


def problems(data: Doc) -> dict[str, str]:
    """field path -> message of every problem ``parse_facts`` reports."""
    with pytest.raises(InputProblems) as raised:
        parse_facts(data, source="incident.yaml")
    found = raised.value.problems
    assert all(problem.file == "incident.yaml" for problem in found)
    return {str(problem.field): problem.message for problem in found}


def test_minimal_document() -> None:
    parsed = facts()
    assert parsed.entity.role is EntityRole.COVERED_ENTITY
    assert parsed.dates.discovered_on == dt.date(2026, 3, 5)
    assert parsed.phi.involved and parsed.phi.permitted is False
    assert parsed.individuals is not None and parsed.individuals.total == 10
    assert parsed.exception is None and parsed.risk_assessment is None


def test_round_trip_of_a_full_document() -> None:
    full = facts(
        description="Stolen laptop",
        dates={"occurred_on": "unknown", "discovered_on": "2026-03-05", "as_of": "2026-04-01"},
        safe_harbor={
            "encryption": {
                "encrypted": True,
                "standard": "nist-sp-800-111",
                "key_compromised": "unknown",
            },
            "destruction": {"destroyed": False},
        },
        exception={
            "claimed": "164.402(1)(iii)",
            "explanation": "Courier returned the sealed envelope unopened.",
            "conditions": {"good_faith_belief": True},
        },
        risk_assessment={
            "nature_and_extent": {"answer": "names", "rating": "low"},
            "mitigation": {"answer": "", "rating": "unknown"},
            "conclusion": "low_probability",
        },
        individuals={
            "total": 700,
            "estimated": True,
            "by_state": {"ma": 600, "NH": 50},
            "deceased": {"next_of_kin_known": 2, "next_of_kin_unknown": 1},
            "insufficient_contact": 11,
            "list": {"rows": 700, "name": "affected.csv", "sha256": "a" * 64},
        },
        law_enforcement={
            "oral": {"stated_on": "2026-03-06", "official": "Det. Roe", "agency": "City PD"},
            "written": {"received_on": "2026-03-10", "delay_days": 45},
        },
    )
    assert full.dates.occurred_on is None
    assert full.safe_harbor.encryption is not None
    assert full.safe_harbor.encryption.standard is EncryptionStandard.SP_800_111
    assert full.safe_harbor.encryption.key_compromised is None
    assert full.exception is not None and full.exception.kind is ExceptionKind.COULD_NOT_RETAIN
    assert full.risk_assessment is not None
    assert full.risk_assessment.conclusion is Conclusion.LOW_PROBABILITY
    assert full.risk_assessment.factors[0].rating is Rating.LOW
    assert full.risk_assessment.unanswered == (
        "unauthorized_person",
        "acquired_or_viewed",
        "mitigation",
    )
    assert full.individuals is not None
    assert full.individuals.by_state == (("MA", 600), ("NH", 50))
    assert full.individuals.unallocated == 50
    assert full.law_enforcement.written is not None
    assert full.law_enforcement.written.ends_on == dt.date(2026, 4, 24)
    assert parse_facts(full.to_dict()) == full


def test_yaml_dates_and_json_strings_read_the_same() -> None:
    as_strings = facts()
    as_dates = facts(
        dates={"occurred_on": dt.date(2026, 3, 1), "discovered_on": dt.date(2026, 3, 5)}
    )
    assert as_strings == as_dates


def test_every_problem_is_reported_at_once_by_field_path() -> None:
    """A missing required fact is an error naming its field, never a guess."""
    found = problems(
        {
            "entity": {"role": "hospital"},
            "dates": {"discovered_on": "March 5th"},
            "phi": {"involved": True},
            "individuals": {"by_state": {"MA": -1, "XX": 3}},
        }
    )
    assert set(found) == {
        "entity.role",
        "dates.occurred_on",
        "dates.discovered_on",
        "phi.permitted",
        "individuals.total",
        "individuals.by_state.MA",
        "individuals.by_state.XX",
    }
    assert "covered_entity" in found["entity.role"]
    assert found["dates.occurred_on"] == "is required"


def test_required_sections() -> None:
    found = problems({})
    assert set(found) == {"entity", "dates", "phi"}


def test_individuals_required_when_phi_is_involved() -> None:
    assert set(problems(document(individuals=None))) == {"individuals.total"}


@pytest.mark.parametrize(
    ("section", "value", "path"),
    [
        ("individuals", {"total": 3, "by_stat": {}}, "individuals.by_stat"),
        ("risk_assessment", {"mitigation": {"answr": "x"}}, "risk_assessment.mitigation.answr"),
        (
            "safe_harbor",
            {"encryption": {"encrypted": False, "algo": "aes"}},
            "safe_harbor.encryption.algo",
        ),
        ("law_enforcement", {"phone": {}}, "law_enforcement.phone"),
        ("incident", {"x": 1}, "incident"),
    ],
)
def test_unknown_keys_are_errors(section: str, value: object, path: str) -> None:
    """Typos must not be silently ignored."""
    found = problems(document(**{section: value}))
    assert path in found
    assert "unknown field" in found[path]


@pytest.mark.parametrize(
    ("sections", "path"),
    [
        # No PHI, yet people affected.
        (
            {"phi": {"involved": False}, "individuals": {"total": 4}},
            "individuals.total",
        ),
        ({"phi": {"involved": False, "permitted": False}, "individuals": None}, "phi.permitted"),
        ({"phi": {"involved": True, "permitted": True}}, "phi.permitted_basis"),
        ({"individuals": {"total": 0}}, "individuals.total"),
        ({"individuals": {"total": 10, "by_state": {"MA": 6, "NH": 5}}}, "individuals.by_state"),
        (
            {
                "individuals": {
                    "total": 10,
                    "deceased": {"next_of_kin_known": 6},
                    "insufficient_contact": 5,
                }
            },
            "individuals",
        ),
        ({"individuals": {"total": 10, "list": {"rows": 9}}}, "individuals.list.rows"),
        (
            {"individuals": {"total": 1, "list": {"rows": 1, "sha256": "xyz"}}},
            "individuals.list.sha256",
        ),
        ({"individuals": {"total": 10, "by_state": {"ma": 1, "MA": 1}}}, "individuals.by_state.MA"),
        (
            {"dates": {"occurred_on": "2026-03-06", "discovered_on": "2026-03-05"}},
            "dates.discovered_on",
        ),
        (
            {"dates": {"occurred_on": "2009-09-22", "discovered_on": "2026-03-05"}},
            "dates.occurred_on",
        ),
        (
            {
                "dates": {
                    "occurred_on": "2026-03-01",
                    "discovered_on": "2026-03-05",
                    "as_of": "2026-03-04",
                }
            },
            "dates.discovered_on",
        ),
        (
            {
                "dates": {
                    "occurred_on": "2026-03-01",
                    "discovered_on": "2026-03-05",
                    "notified_by_business_associate_on": "2026-03-04",
                }
            },
            "dates.discovered_on",
        ),
        ({"business_associate": {"covered_entity": "Clinic"}}, "business_associate"),
        (
            {
                "entity": {"role": "business_associate"},
                "dates": {
                    "occurred_on": "2026-03-01",
                    "discovered_on": "2026-03-05",
                    "notified_by_business_associate_on": "2026-03-06",
                },
            },
            "dates.notified_by_business_associate_on",
        ),
        (
            {
                "entity": {"role": "business_associate"},
                "business_associate": {"notified_covered_entity_on": "2026-03-04"},
            },
            "business_associate.notified_covered_entity_on",
        ),
        (
            {"safe_harbor": {"encryption": {"encrypted": False, "standard": "nist-sp-800-111"}}},
            "safe_harbor.encryption.standard",
        ),
        (
            {"safe_harbor": {"encryption": {"encrypted": True, "standard": "nist-sp-800-111"}}},
            "safe_harbor.encryption.key_compromised",
        ),
        (
            {"safe_harbor": {"destruction": {"destroyed": False, "method": "paper-shredded"}}},
            "safe_harbor.destruction.method",
        ),
        ({"safe_harbor": {"destruction": {"destroyed": True}}}, "safe_harbor.destruction.method"),
        (
            {
                "exception": {
                    "claimed": "164.402(1)(ii)",
                    "explanation": "Sent to the wrong nurse.",
                    "conditions": {
                        "inadvertent": True,
                        "discloser_authorized": True,
                        "recipient_authorized": False,
                        "no_further_impermissible_use": True,
                    },
                }
            },
            "exception.conditions.recipient_authorized",
        ),
        (
            {
                "exception": {
                    "claimed": "164.402(1)(iii)",
                    "explanation": "",
                    "conditions": {"good_faith_belief": True},
                }
            },
            "exception.explanation",
        ),
        (
            {"exception": {"claimed": "164.402(1)(iii)", "explanation": "x", "conditions": {}}},
            "exception.conditions.good_faith_belief",
        ),
        (
            {"law_enforcement": {"oral": {"stated_on": "2026-03-06"}}},
            "law_enforcement.oral.official",
        ),
        (
            {"law_enforcement": {"oral": {"stated_on": "2026-03-04", "official": "Det. Roe"}}},
            "law_enforcement.oral.stated_on",
        ),
        (
            {"law_enforcement": {"written": {"received_on": "2026-03-06"}}},
            "law_enforcement.written",
        ),
        (
            {
                "law_enforcement": {
                    "written": {
                        "received_on": "2026-03-06",
                        "delay_until": "2026-04-01",
                        "delay_days": 30,
                    }
                }
            },
            "law_enforcement.written",
        ),
        (
            {
                "law_enforcement": {
                    "written": {"received_on": "2026-03-06", "delay_until": "2026-03-06"}
                }
            },
            "law_enforcement.written.delay_until",
        ),
        (
            {"law_enforcement": {"written": {"received_on": "2026-03-06", "delay_days": 0}}},
            "law_enforcement.written.delay_days",
        ),
    ],
)
def test_contradictions_and_gaps_name_their_field(sections: dict[str, object], path: str) -> None:
    found = problems(document(**sections))
    assert path in found, found


@pytest.mark.parametrize(
    ("sections", "path"),
    [
        (
            {"dates": {"occurred_on": "2026-03-01", "discovered_on": "2026-03-05T10:00"}},
            "dates.discovered_on",
        ),
        (
            {
                "dates": {
                    "occurred_on": "2026-03-01",
                    "discovered_on": dt.datetime(2026, 3, 5, 10, tzinfo=dt.UTC),
                }
            },
            "dates.discovered_on",
        ),
        ({"individuals": {"total": True}}, "individuals.total"),
        ({"individuals": {"total": "12"}}, "individuals.total"),
        ({"individuals": {"total": 2.5}}, "individuals.total"),
        ({"phi": {"involved": "yes", "permitted": False}}, "phi.involved"),
        ({"phi": {"involved": True, "permitted": False, "types": "names"}}, "phi.types"),
        ({"phi": {"involved": True, "permitted": False, "types": ["names", ""]}}, "phi.types.1"),
        ({"entity": "covered_entity"}, "entity"),
        (
            {
                "safe_harbor": {
                    "encryption": {
                        "encrypted": True,
                        "standard": "aes-256",
                        "key_compromised": False,
                    }
                }
            },
            "safe_harbor.encryption.standard",
        ),
        (
            {"risk_assessment": {"mitigation": {"answer": "x", "rating": "severe"}}},
            "risk_assessment.mitigation.rating",
        ),
        ({"risk_assessment": {"conclusion": "fine"}}, "risk_assessment.conclusion"),
        ({"schema": "phiward.breach.facts/9"}, "schema"),
    ],
)
def test_wrong_types_name_their_field(sections: dict[str, object], path: str) -> None:
    assert path in problems(document(**sections))


def test_messages_do_not_repeat_values() -> None:
    """Values may hold PHI; problems name the field and the rule only."""
    secret = "Jane Q. Patient 123-45-6789"
    found = problems(
        document(
            dates={"occurred_on": secret, "discovered_on": "2026-03-05"},
            individuals={"total": secret},
            entity={"role": secret},
        )
    )
    assert found
    assert all(secret not in message and "123-45" not in message for message in found.values())


def test_unknown_where_the_law_allows_it() -> None:
    """Occurrence date, key compromise, exception conditions and factors may be unknown."""
    parsed = facts(
        dates={"occurred_on": "unknown", "discovered_on": "2026-03-05"},
        safe_harbor={
            "encryption": {
                "encrypted": True,
                "standard": "nist-sp-800-52",
                "key_compromised": "unknown",
            }
        },
        exception={
            "claimed": "164.402(1)(i)",
            "explanation": "Looked up the wrong chart.",
            "conditions": {
                "unintentional": True,
                "by_authorized_person": True,
                "good_faith": "unknown",
                "within_scope_of_authority": True,
                "no_further_impermissible_use": "unknown",
            },
        },
    )
    assert parsed.dates.occurred_on is None
    assert parsed.exception is not None
    assert parsed.exception.unanswered == ("good_faith", "no_further_impermissible_use")
    # Whether PHI was involved, and the discovery date, cannot be unknown.
    found = problems(document(phi={"involved": "unknown"}))
    assert "phi.involved" in found
    found = problems(document(dates={"occurred_on": "2026-03-01", "discovered_on": "unknown"}))
    assert "dates.discovered_on" in found


def test_not_a_mapping() -> None:
    with pytest.raises(InputProblems) as raised:
        parse_facts(["entity"])  # type: ignore[arg-type]
    assert "mapping" in str(raised.value)
