"""The determination: order of the questions, each outcome, and the citations of every step."""

from __future__ import annotations

import pytest

from phiward.breach import ENGINE_VERSION, assess_document
from phiward.breach.determination import Determination, Outcome, assess
from tests.breach.test_facts import document, facts

FOUR_FACTORS = {
    "nature_and_extent": {"answer": "Name and one lab value.", "rating": "low"},
    "unauthorized_person": {"answer": "A covered entity's nurse.", "rating": "low"},
    "acquired_or_viewed": {"answer": "Returned unopened.", "rating": "low"},
    "mitigation": {"answer": "Attestation of destruction.", "rating": "low"},
}


def decide(**sections: object) -> Determination:
    return assess(facts(**sections))


def decisive(result: Determination) -> list[int]:
    return [step.number for step in result.steps if step.decisive]


def test_the_questions_in_order_for_a_presumed_breach() -> None:
    """164.402: PHI, permitted, unsecured, exception, presumption; discovery 164.404(a)(2)."""
    result = decide()
    assert result.outcome is Outcome.BREACH
    assert result.notification_required
    assert [step.citation for step in result.steps] == [
        "45 CFR 164.402",
        "45 CFR 164.402",
        "45 CFR 164.402",
        "45 CFR 164.402",
        "45 CFR 164.402(2)",
        "45 CFR 164.404(a)(2)",
    ]
    assert [step.catalog_entry for step in result.steps] == [
        "164.402:breach",
        "164.402:breach",
        "164.402:unsecured-phi",
        "164.402:breach",
        "164.402(2)",
        "164.404(a)(2)",
    ]
    assert [step.number for step in result.steps] == [1, 2, 3, 4, 5, 6]
    assert decisive(result) == [5]
    assert "presumption stands" in result.steps[4].reasoning
    assert result.discovered_on is not None and result.discovered_on.isoformat() == "2026-03-05"
    assert result.engine_version == ENGINE_VERSION
    assert "notification is required" in result.summary


def test_no_phi() -> None:
    """164.402: a breach is of protected health information; without PHI nothing follows."""
    result = decide(phi={"involved": False}, individuals=None)
    assert result.outcome is Outcome.NO_PHI
    assert not result.notification_required
    assert len(result.steps) == 1 and result.steps[0].decisive
    assert result.discovered_on is None


def test_permitted_use_or_disclosure() -> None:
    """164.402: only a use or disclosure not permitted under subpart E can be a breach."""
    result = decide(
        phi={"involved": True, "permitted": True, "permitted_basis": "Disclosure for treatment."}
    )
    assert result.outcome is Outcome.PERMITTED
    assert decisive(result) == [2]
    assert "Disclosure for treatment." in result.steps[1].answer


@pytest.mark.parametrize(
    "standard",
    [
        "nist-sp-800-111",
        "nist-sp-800-52",
        "nist-sp-800-77",
        "nist-sp-800-113",
        "fips-140-validated",
    ],
)
def test_safe_harbor_by_encryption(standard: str) -> None:
    """164.402 (unsecured PHI) and HHS guidance: encryption with an uncompromised key secures."""
    result = decide(
        safe_harbor={
            "encryption": {"encrypted": True, "standard": standard, "key_compromised": False}
        }
    )
    assert result.outcome is Outcome.SECURED
    assert not result.notification_required
    assert decisive(result) == [3]
    assert result.steps[2].answer.startswith("No: the PHI was secured")


@pytest.mark.parametrize(
    ("encryption", "why"),
    [
        (
            {"encrypted": True, "standard": "nist-sp-800-111", "key_compromised": True},
            "compromised",
        ),
        (
            {"encrypted": True, "standard": "nist-sp-800-111", "key_compromised": "unknown"},
            "not known",
        ),
        ({"encrypted": True, "standard": "other", "key_compromised": False}, "does not name"),
        ({"encrypted": False}, "not encrypted"),
    ],
)
def test_encryption_that_does_not_secure(encryption: dict[str, object], why: str) -> None:
    """164.402 and HHS guidance: a compromised (or unknown) key or other encryption: no safe
    harbor; the analysis continues to the presumption."""
    result = decide(safe_harbor={"encryption": encryption})
    assert result.outcome is Outcome.BREACH
    assert result.steps[2].answer == "Yes: the PHI was unsecured."
    assert why in result.steps[2].reasoning
    assert not result.steps[2].decisive


@pytest.mark.parametrize(
    ("method", "secured"),
    [
        ("paper-shredded", True),
        ("paper-destroyed", True),
        ("media-cleared-sp-800-88", True),
        ("media-purged-sp-800-88", True),
        ("media-destroyed-sp-800-88", True),
        ("redacted", False),
        ("other", False),
    ],
)
def test_safe_harbor_by_destruction(method: str, secured: bool) -> None:
    """HHS guidance: shredding or SP 800-88 sanitization secures; redaction does not."""
    result = decide(safe_harbor={"destruction": {"destroyed": True, "method": method}})
    assert (result.outcome is Outcome.SECURED) is secured
    if method == "redacted":
        assert "redaction" in result.steps[2].reasoning


def test_either_safe_harbor_suffices() -> None:
    result = decide(
        safe_harbor={
            "encryption": {"encrypted": True, "standard": "other", "key_compromised": False},
            "destruction": {"destroyed": True, "method": "media-purged-sp-800-88"},
        }
    )
    assert result.outcome is Outcome.SECURED


EXCEPTIONS = {
    "164.402(1)(i)": {
        "unintentional": True,
        "by_authorized_person": True,
        "good_faith": True,
        "within_scope_of_authority": True,
        "no_further_impermissible_use": True,
    },
    "164.402(1)(ii)": {
        "inadvertent": True,
        "discloser_authorized": True,
        "recipient_authorized": True,
        "no_further_impermissible_use": True,
    },
    "164.402(1)(iii)": {"good_faith_belief": True},
}


@pytest.mark.parametrize("claimed", sorted(EXCEPTIONS))
def test_each_exception(claimed: str) -> None:
    """164.402(1)(i), (ii) and (iii): every condition holds, so it is not a breach."""
    result = decide(
        exception={
            "claimed": claimed,
            "explanation": "Documented.",
            "conditions": EXCEPTIONS[claimed],
        }
    )
    assert result.outcome is Outcome.EXCEPTION
    assert decisive(result) == [4]
    assert result.steps[3].citation == f"45 CFR {claimed}"
    assert result.steps[3].catalog_entry == claimed
    assert claimed in result.summary


def test_an_exception_not_yet_established_does_not_apply() -> None:
    """164.402(1)(i): a condition answered unknown; the analysis continues to 164.402(2)."""
    conditions = dict(EXCEPTIONS["164.402(1)(i)"], good_faith="unknown")
    result = decide(
        exception={"claimed": "164.402(1)(i)", "explanation": "Maybe.", "conditions": conditions}
    )
    assert result.outcome is Outcome.BREACH
    assert result.steps[3].answer.startswith("Not shown")
    assert "good faith" in result.steps[3].reasoning


def test_four_factor_low_probability() -> None:
    """164.402(2)(i)-(iv): all four factors answered, conclusion low probability: not a breach."""
    result = decide(risk_assessment={**FOUR_FACTORS, "conclusion": "low_probability"})
    assert result.outcome is Outcome.LOW_PROBABILITY
    assert not result.notification_required
    factor_steps = result.steps[4:8]
    assert [step.citation for step in factor_steps] == [
        "45 CFR 164.402(2)(i)",
        "45 CFR 164.402(2)(ii)",
        "45 CFR 164.402(2)(iii)",
        "45 CFR 164.402(2)(iv)",
    ]
    assert factor_steps[0].answer == "Rated low: Name and one lab value."
    assert decisive(result) == [9]
    assert result.steps[8].citation == "45 CFR 164.402(2)"


@pytest.mark.parametrize("missing", sorted(FOUR_FACTORS))
def test_four_factor_incomplete_can_never_conclude_low_probability(missing: str) -> None:
    """164.402(2): any factor unanswered, the presumption of breach stands, whatever the
    recorded conclusion; the step says why."""
    factors = {name: value for name, value in FOUR_FACTORS.items() if name != missing}
    result = decide(risk_assessment={**factors, "conclusion": "low_probability"})
    assert result.outcome is Outcome.BREACH
    conclusion = result.steps[8]
    assert conclusion.answer == "No: the risk assessment is incomplete."
    assert "cannot stand" in conclusion.reasoning
    assert conclusion.decisive


def test_a_factor_without_rating_or_answer_is_unanswered() -> None:
    """164.402(2)(iv): an answer without a rating (or a rating without an answer) is not an
    assessment of the factor."""
    for mitigation in ({"answer": "Recovered."}, {"answer": " ", "rating": "low"}):
        result = decide(
            risk_assessment={
                **FOUR_FACTORS,
                "mitigation": mitigation,
                "conclusion": "low_probability",
            }
        )
        assert result.outcome is Outcome.BREACH
        assert "164.402(2)(iv)" in result.steps[8].reasoning


def test_four_factor_conclusions_other_than_low() -> None:
    """164.402(2): no conclusion, or not low: breach."""
    assert decide(risk_assessment=FOUR_FACTORS).outcome is Outcome.BREACH
    result = decide(risk_assessment={**FOUR_FACTORS, "conclusion": "not_low_probability"})
    assert result.outcome is Outcome.BREACH
    assert "not low" in result.steps[8].answer


def test_low_probability_with_a_high_factor_is_flagged() -> None:
    """164.402(2): the conclusion stands, but the step asks for the reasons."""
    factors = dict(FOUR_FACTORS, nature_and_extent={"answer": "SSNs", "rating": "high"})
    result = decide(risk_assessment={**factors, "conclusion": "low_probability"})
    assert result.outcome is Outcome.LOW_PROBABILITY
    assert "164.402(2)(i) is rated high" in result.steps[8].reasoning


def test_order_safe_harbor_before_exception_before_assessment() -> None:
    """164.402: a secured incident stops at the safe harbor even with an exception claimed."""
    result = decide(
        safe_harbor={
            "encryption": {
                "encrypted": True,
                "standard": "nist-sp-800-111",
                "key_compromised": False,
            }
        },
        exception={
            "claimed": "164.402(1)(iii)",
            "explanation": "x",
            "conditions": EXCEPTIONS["164.402(1)(iii)"],
        },
        risk_assessment={**FOUR_FACTORS, "conclusion": "not_low_probability"},
    )
    assert result.outcome is Outcome.SECURED
    assert len(result.steps) == 3


def test_business_associate_discovery_step() -> None:
    """164.410(a)(2): a business associate's own discovery date."""
    result = decide(entity={"role": "business_associate"})
    last = result.steps[-1]
    assert last.citation == "45 CFR 164.410(a)(2)"
    assert last.catalog_entry == "164.410(a)(2)"
    assert "business associate" in last.question
    assert "164.410(b)" in last.reasoning


def test_discovery_step_mentions_unknown_occurrence_and_agent_ba() -> None:
    """164.404(a)(2): discovered by any workforce member or agent; occurrence may be unknown."""
    result = decide(
        dates={
            "occurred_on": "unknown",
            "discovered_on": "2026-03-05",
            "notified_by_business_associate_on": "2026-03-05",
        }
    )
    reasoning = result.steps[-1].reasoning
    assert "not known" in reasoning
    assert "agent" in reasoning


def test_to_dict() -> None:
    result = assess_document(document()).determination.to_dict()
    assert result["outcome"] == "breach"
    assert result["notification_required"] is True
    assert result["discovered_on"] == "2026-03-05"
    steps = result["steps"]
    assert isinstance(steps, list)
    assert set(steps[0]) == {
        "number",
        "question",
        "answer",
        "citation",
        "reasoning",
        "decisive",
        "catalog_entry",
    }
