"""The scenarios of issue 5's "Done when", end to end through ``assess_document``.

Each test's docstring names the paragraph it exercises.
"""

from __future__ import annotations

import datetime as dt

import pytest

from phiward.breach import Assessment, Outcome, Recipient, assess_document
from phiward.breach.obligations import Obligation
from tests.breach.test_facts import document

D = dt.date


def run(**sections: object) -> Assessment:
    return assess_document(document(**sections))


def by_key(assessment: Assessment) -> dict[str, Obligation]:
    return {obligation.key: obligation for obligation in assessment.obligations}


def people(total: int, **more: object) -> dict[str, object]:
    return {"total": total, **more}


def test_safe_harbor_by_encryption() -> None:
    """164.402 (unsecured PHI; HHS guidance, NIST SP 800-111): an encrypted laptop is lost, the
    key was not compromised: secured PHI, no notification."""
    result = run(
        safe_harbor={
            "encryption": {
                "encrypted": True,
                "standard": "nist-sp-800-111",
                "key_compromised": False,
            }
        },
        individuals=people(5000),
    )
    assert result.determination.outcome is Outcome.SECURED
    assert result.obligations == ()


def test_key_compromised_no_safe_harbor() -> None:
    """164.402 and HHS guidance: the key was stored with the laptop: no safe harbor."""
    result = run(
        safe_harbor={
            "encryption": {
                "encrypted": True,
                "standard": "nist-sp-800-111",
                "key_compromised": True,
            }
        }
    )
    assert result.determination.outcome is Outcome.BREACH
    assert "individuals" in by_key(result)


@pytest.mark.parametrize(
    ("claimed", "conditions"),
    [
        (
            "164.402(1)(i)",
            {
                "unintentional": True,
                "by_authorized_person": True,
                "good_faith": True,
                "within_scope_of_authority": True,
                "no_further_impermissible_use": True,
            },
        ),
        (
            "164.402(1)(ii)",
            {
                "inadvertent": True,
                "discloser_authorized": True,
                "recipient_authorized": True,
                "no_further_impermissible_use": True,
            },
        ),
        ("164.402(1)(iii)", {"good_faith_belief": True}),
    ],
)
def test_each_of_the_three_exceptions(claimed: str, conditions: dict[str, bool]) -> None:
    """164.402(1)(i) workforce good-faith access; (ii) inadvertent disclosure between authorized
    persons; (iii) recipient could not retain: not a breach, no obligations."""
    result = run(
        exception={"claimed": claimed, "explanation": "Documented.", "conditions": conditions}
    )
    assert result.determination.outcome is Outcome.EXCEPTION
    assert result.obligations == ()


FACTORS = {
    "nature_and_extent": {"answer": "One lab result.", "rating": "medium"},
    "unauthorized_person": {"answer": "Another covered entity.", "rating": "low"},
    "acquired_or_viewed": {"answer": "Not viewed.", "rating": "low"},
    "mitigation": {"answer": "Shredding attested.", "rating": "low"},
}


def test_four_factor_low_probability() -> None:
    """164.402(2)(i)-(iv): a complete assessment concluding low probability: not a breach."""
    result = run(risk_assessment={**FACTORS, "conclusion": "low_probability"})
    assert result.determination.outcome is Outcome.LOW_PROBABILITY
    assert result.obligations == ()


def test_four_factor_incomplete() -> None:
    """164.402(2): factor (iii) unanswered: it cannot conclude low probability: breach."""
    factors = {name: value for name, value in FACTORS.items() if name != "acquired_or_viewed"}
    result = run(risk_assessment={**factors, "conclusion": "low_probability"})
    assert result.determination.outcome is Outcome.BREACH
    assert "164.402(2)(iii)" in result.determination.steps[8].reasoning
    assert result.obligations


@pytest.mark.parametrize(
    ("total", "key", "due"),
    [
        (499, "hhs-annual-log", D(2027, 3, 1)),
        (500, "hhs", D(2026, 5, 4)),
        (501, "hhs", D(2026, 5, 4)),
    ],
)
def test_hhs_branch_at_499_500_501(total: int, key: str, due: dt.date) -> None:
    """164.408(b): 500 or more, contemporaneously with the individual notices; 164.408(c):
    fewer than 500, the annual log within 60 days after the end of the year of discovery."""
    result = run(individuals=people(total, by_state={"MA": total}))
    found = by_key(result)
    assert key in found
    assert {"hhs", "hhs-annual-log"} - {key} & set(found) == set()
    assert found[key].due_on == due
    assert found[key].recipient is Recipient.HHS
    assert found[key].citation == ("45 CFR 164.408(b)" if total >= 500 else "45 CFR 164.408(c)")
    if key == "hhs":
        assert found["hhs"].due_on == found["individuals"].due_on
    # Media: only for more than 500 residents of the State (164.406(a)).
    assert ("media:MA" in found) is (total > 500)


def test_media_only_for_the_state_with_more_than_500() -> None:
    """164.406(a): more than 500 residents of MA, exactly 500 of NH: media notice in MA only."""
    result = run(individuals=people(1100, by_state={"MA": 501, "NH": 500, "VT": 99}))
    found = by_key(result)
    media = [o for o in result.obligations if o.recipient is Recipient.MEDIA]
    assert [o.key for o in media] == ["media:MA"]
    assert found["media:MA"].state == "MA"
    assert found["media:MA"].due_on == D(2026, 5, 4)
    assert found["media:MA"].citation == "45 CFR 164.406(a)"


def test_business_associate_discovery() -> None:
    """164.410(a)(2), (b): the business associate notifies the covered entity within 60 days of
    its own discovery, with the identities of the individuals (164.410(c)(1)); it owes no
    notice to individuals, the media or HHS."""
    result = run(
        entity={"role": "business_associate", "name": "Northshore Billing"},
        business_associate={"covered_entity": "Riverside Family Clinic"},
        dates={"occurred_on": "unknown", "discovered_on": "2026-09-28"},
        individuals=people(900, by_state={"MA": 900}),
    )
    assert result.determination.steps[-1].citation == "45 CFR 164.410(a)(2)"
    assert [o.key for o in result.obligations] == ["covered-entity"]
    notice = result.obligations[0]
    assert notice.recipient is Recipient.COVERED_ENTITY
    assert notice.due_on == D(2026, 11, 27)
    assert notice.citation == "45 CFR 164.410(b)"
    assert "identity of each of the 900 individuals" in notice.description
    assert "Riverside Family Clinic" in notice.title


def test_written_law_enforcement_delay() -> None:
    """164.412(a): a written statement delays for the period it specifies; the notice is due
    when the delay ends (later than discovery + 60 days)."""
    result = run(
        individuals=people(600, by_state={"MA": 600}),
        law_enforcement={"written": {"received_on": "2026-03-10", "delay_until": "2026-06-15"}},
    )
    for key in ("individuals", "media:MA", "hhs"):
        obligation = by_key(result)[key]
        assert obligation.due_on == D(2026, 6, 15)
        assert obligation.delayed_until == D(2026, 6, 15)
        assert "45 CFR 164.412(a)" in obligation.related_citations
        assert "2026-05-04" in obligation.basis


def test_oral_delay_without_written_is_capped_at_30_days() -> None:
    """164.412(b): an oral statement, documented with the official's identity, delays no longer
    than 30 days from the statement."""
    result = run(
        law_enforcement={"oral": {"stated_on": "2026-04-20", "official": "Det. Roe, City PD"}}
    )
    individuals = by_key(result)["individuals"]
    assert individuals.delayed_until == D(2026, 5, 20)
    assert individuals.due_on == D(2026, 5, 20)  # later than 2026-05-04
    assert individuals.related_citations[-1] == "45 CFR 164.412(b)"


def test_oral_followed_by_written_within_30_days() -> None:
    """164.412(b) with (a): a written statement within the 30 days governs, beyond the cap."""
    result = run(
        law_enforcement={
            "oral": {"stated_on": "2026-04-20", "official": "Det. Roe"},
            "written": {"received_on": "2026-05-15", "delay_days": 60},
        }
    )
    individuals = by_key(result)["individuals"]
    assert individuals.delayed_until == D(2026, 7, 14)
    assert individuals.due_on == D(2026, 7, 14)
    assert {"45 CFR 164.412(a)", "45 CFR 164.412(b)"} <= set(individuals.related_citations)
    assert "whose period governs" in individuals.basis


def test_discovery_at_year_end_leap_year_log() -> None:
    """164.408(c): discovered 2027-12-31, fewer than 500: the log is due 60 days after the end
    of 2027, which is 2028-02-29 (2028 is a leap year)."""
    result = run(dates={"occurred_on": "unknown", "discovered_on": "2027-12-31"})
    log = by_key(result)["hhs-annual-log"]
    assert log.due_on == D(2028, 2, 29)
    assert "2027" in log.title


def test_discovery_at_year_end_common_year_log() -> None:
    """164.408(c): discovered 2026-12-31: due 2027-03-01; the individuals' 60 days run into the
    next year (164.404(b))."""
    result = run(dates={"occurred_on": "2026-12-30", "discovered_on": "2026-12-31"})
    found = by_key(result)
    assert found["hhs-annual-log"].due_on == D(2027, 3, 1)
    assert found["individuals"].due_on == D(2027, 3, 1)


def test_discovery_on_new_year_reports_in_the_following_year() -> None:
    """164.408(c): discovered 2027-01-01 belongs to the 2027 log, due 2028-02-29."""
    result = run(dates={"occurred_on": "2026-12-31", "discovered_on": "2027-01-01"})
    assert by_key(result)["hhs-annual-log"].due_on == D(2028, 2, 29)


def test_substitute_notice_for_9_unreachable() -> None:
    """164.404(d)(2)(i): fewer than 10 with insufficient contact information: alternative
    written notice, telephone or other means; no toll-free number required."""
    result = run(individuals=people(40, insufficient_contact=9))
    found = by_key(result)
    assert found["substitute-notice"].citation == "45 CFR 164.404(d)(2)(i)"
    assert "telephone" in found["substitute-notice"].description
    assert "substitute-toll-free" not in found
    assert "31 affected individuals" in found["individuals"].title


def test_substitute_notice_for_10_unreachable() -> None:
    """164.404(d)(2)(ii): 10 or more: web posting for 90 days or major print/broadcast media,
    plus a toll-free number active at least 90 days."""
    result = run(individuals=people(40, insufficient_contact=10))
    found = by_key(result)
    assert found["substitute-notice"].citation == "45 CFR 164.404(d)(2)(ii)"
    assert "90 days" in found["substitute-notice"].description
    assert "broadcast media" in found["substitute-notice"].description
    toll_free = found["substitute-toll-free"]
    assert toll_free.citation == "45 CFR 164.404(d)(2)(ii)"
    assert toll_free.recipient is Recipient.SUBSTITUTE
    assert toll_free.due_on == found["substitute-notice"].due_on == D(2026, 5, 4)
    assert "at least 90 days" in toll_free.description
