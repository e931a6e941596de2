"""Edge cases found in the review of the engine against 45 CFR 164.400-414.

Each test's docstring cites the paragraph it exercises.
"""

from __future__ import annotations

import datetime as dt

from phiward.breach import Assessment, assess_document
from phiward.breach.facts import parse_facts
from phiward.breach.obligations import Obligation
from tests.breach.test_facts import document, problems

D = dt.date
# document(): discovered 2026-03-05, so the 60-day notices are due 2026-05-04.
_DATES = {"occurred_on": "2026-03-01", "discovered_on": "2026-03-05"}


def run(**sections: object) -> Assessment:
    return assess_document(document(**sections))


def by_key(assessment: Assessment) -> dict[str, Obligation]:
    return {obligation.key: obligation for obligation in assessment.obligations}


def test_written_statement_without_a_period_is_read_like_an_oral_one() -> None:
    """164.412(a) covers a written statement that "specifies the time"; one that specifies none
    is read like an oral statement under 164.412(b): at most 30 days from its receipt."""
    law = {
        "written": {
            "received_on": "2026-04-20",
            "period_specified": False,
            "official": "Special Agent Roe",
            "agency": "FBI",
        }
    }
    notice = by_key(run(law_enforcement=law))["individuals"]
    assert notice.delayed_until == D(2026, 5, 20)
    assert notice.due_on == D(2026, 5, 20)
    assert "specifies no period" in notice.basis
    assert "45 CFR 164.412(b)" in notice.related_citations
    assert "45 CFR 164.412(a)" not in notice.related_citations


def test_written_statement_without_a_period_must_say_so() -> None:
    """164.412(a): a forgotten period is an error, never a guessed 30 days."""
    law = {"written": {"received_on": "2026-04-20"}}
    found = problems(document(law_enforcement=law))
    assert "period_specified" in found["law_enforcement.written"]


def test_written_statement_without_a_period_needs_the_official_and_no_period() -> None:
    """164.412(b): read like an oral statement, it is documented with the official's identity;
    a period given with period_specified false is a contradiction."""
    law = {"written": {"received_on": "2026-04-20", "period_specified": False, "delay_days": 9}}
    found = problems(document(law_enforcement=law))
    assert "164.412(b)" in found["law_enforcement.written.official"]
    assert "contradicts" in found["law_enforcement.written.delay_days"]


def test_a_specifying_written_statement_replaces_a_period_less_one_within_30_days() -> None:
    """164.412(b) "unless a written statement as described in paragraph (a) ... is submitted
    during that time": its own period then governs, even if shorter than the 30 days."""
    law = {
        "written": {"received_on": "2026-04-20", "period_specified": False, "official": "Roe"},
        "further_written": [{"received_on": "2026-04-25", "delay_until": "2026-05-10"}],
    }
    notice = by_key(run(law_enforcement=law))["individuals"]
    assert notice.delayed_until == D(2026, 5, 10)
    assert notice.due_on == D(2026, 5, 10)
    assert "whose period governs" in notice.basis


def test_several_written_statements_in_sequence() -> None:
    """164.412(a): an extension received while the first delay runs delays the notice further;
    the notice waits for every statement that applies to it."""
    law = {
        "written": {"received_on": "2026-03-10", "delay_until": "2026-05-20"},
        "further_written": [
            {"received_on": "2026-05-18", "delay_days": 43, "agency": "State Police"},
        ],
    }
    found = by_key(run(law_enforcement=law))
    assert found["individuals"].due_on == D(2026, 6, 30)
    assert found["individuals"].delayed_until == D(2026, 6, 30)
    assert found["individuals"].basis.count("law-enforcement delay until") == 2
    assert found["hhs-annual-log"].due_on == D(2027, 3, 1)  # ends long before it: stands
    assert found["hhs-annual-log"].delayed_until == D(2026, 6, 30)


def test_an_extension_after_the_delay_ended_cannot_excuse_a_late_notice() -> None:
    """164.412 / 164.404(b): the first delay ended 2026-05-20 and the notice was due then; a
    statement received 2026-06-01 does not delay it (it still delays the annual HHS log)."""
    law = {
        "written": {"received_on": "2026-03-10", "delay_until": "2026-05-20"},
        "further_written": [{"received_on": "2026-06-01", "delay_until": "2026-07-31"}],
    }
    found = by_key(run(law_enforcement=law, dates={**_DATES, "as_of": "2026-06-02"}))
    assert found["individuals"].due_on == D(2026, 5, 20)
    assert "came after this notice was due" in found["individuals"].basis
    assert found["hhs-annual-log"].delayed_until == D(2026, 7, 31)


def test_further_statements_need_the_first_and_must_be_in_order() -> None:
    """164.412(a): a sequence of written statements is listed in the order received."""
    later = {"received_on": "2026-04-01", "delay_until": "2026-06-01"}
    found = problems(document(law_enforcement={"further_written": [later]}))
    assert "law_enforcement.written" in found["law_enforcement.further_written"]
    law = {
        "written": {"received_on": "2026-04-10", "delay_until": "2026-06-01"},
        "further_written": [later],
    }
    found = problems(document(law_enforcement=law))
    assert "in order" in found["law_enforcement.further_written.0.received_on"]


def test_law_enforcement_round_trip() -> None:
    """164.412: the canonical form keeps every statement."""
    law = {
        "oral": {"stated_on": "2026-03-06", "official": "Det. Roe"},
        "written": {"received_on": "2026-03-20", "period_specified": False, "official": "Roe"},
        "further_written": [{"received_on": "2026-04-10", "delay_days": 30}],
    }
    parsed = parse_facts(document(law_enforcement=law))
    assert len(parsed.law_enforcement.further_written) == 1
    assert parse_facts(parsed.to_dict()) == parsed


def test_discovery_date_unknown_is_an_error() -> None:
    """164.404(a)(2): every clock runs from discovery; it cannot be unknown."""
    found = problems(document(dates={"occurred_on": "unknown", "discovered_on": "unknown"}))
    assert "cannot be unknown" in found["dates.discovered_on"]
    assert "dates.occurred_on" not in found


def test_occurrence_after_discovery_is_an_error() -> None:
    """164.404(a)(2): a breach cannot be discovered before it occurred."""
    found = problems(document(dates={"occurred_on": "2026-03-06", "discovered_on": "2026-03-05"}))
    assert "dates.discovered_on" in found


def test_business_associate_notice_given_late_says_so() -> None:
    """164.410(b): the business associate told the covered entity 65 days after discovery; the
    obligation is done, and its basis records that it was 5 days late."""
    result = run(
        entity={"role": "business_associate", "name": "Acme Billing"},
        business_associate={
            "covered_entity": "Riverside Family Clinic",
            "notified_covered_entity_on": "2026-05-09",
        },
    )
    (notice,) = result.obligations
    assert notice.key == "covered-entity"
    assert notice.due_on == D(2026, 5, 4)
    assert notice.completed_on == D(2026, 5, 9)
    assert "5 days after the due date" in notice.basis


def test_covered_entity_told_by_its_business_associate() -> None:
    """164.404(a)(2), 164.410: the covered entity's clocks run from its own discovery, not the
    business associate's (unless the business associate is its agent), and its discovery
    cannot be later than the day the business associate told it."""
    told = {
        "occurred_on": "2026-01-10",
        "discovered_on": "2026-03-05",
        "notified_by_business_associate_on": "2026-03-05",
    }
    result = run(dates=told)
    assert by_key(result)["individuals"].due_on == D(2026, 5, 4)
    assert "agent" in result.determination.steps[-1].reasoning
    late = {**told, "discovered_on": "2026-03-06"}
    assert "dates.discovered_on" in problems(document(dates=late))


def test_states_with_zero_and_unknown_residence() -> None:
    """164.406(a): more than 500 residents of a State; 500 in MA plus 500 of unknown residence
    could be 1,000 in MA, so the engine asks where they live; 501 in MA and 499 unknown cannot
    push another State over 500."""
    found = by_key(run(individuals={"total": 1000, "by_state": {"MA": 500, "NH": 0}}))
    assert [key for key in found if key.startswith("media")] == ["media-unresolved"]
    assert found["hhs"].due_on == D(2026, 5, 4)  # 164.408(b): 500 or more in total
    found = by_key(run(individuals={"total": 1000, "by_state": {"MA": 501}}))
    assert [key for key in found if key.startswith("media")] == ["media:MA"]


def test_no_individuals_when_phi_is_involved_is_an_error() -> None:
    """164.404(a)(1): a breach of PHI affects at least one individual."""
    found = problems(document(individuals={"total": 0}))
    assert "individuals.total" in found
