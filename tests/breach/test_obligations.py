"""Obligations: who is told, by when, how the date was computed, and the 164.412 delay."""

from __future__ import annotations

import datetime as dt

from phiward.breach import Recipient
from phiward.breach.obligations import Obligation
from tests.breach.test_scenarios import by_key, people, run

D = dt.date


def keys(obligations: tuple[Obligation, ...]) -> list[str]:
    return [obligation.key for obligation in obligations]


def test_no_obligations_without_a_breach() -> None:
    """164.402(2): low probability / secured / exception: nothing to notify."""
    result = run(phi={"involved": True, "permitted": True, "permitted_basis": "Treatment."})
    assert result.obligations == ()


def test_individuals_notice_content_method_and_basis() -> None:
    """164.404(b) 60 calendar days; (c)(1)(A)-(E) content; (d)(1)(i) first-class mail or
    e-mail if agreed."""
    result = run()
    assert keys(result.obligations) == ["individuals", "hhs-annual-log"]
    notice = result.obligations[0]
    assert notice.recipient is Recipient.INDIVIDUALS
    assert notice.due_on == D(2026, 5, 4)
    assert notice.basis == "discovery 2026-03-05 + 60 days = 2026-05-04"
    assert notice.citation == "45 CFR 164.404(b)"
    assert "without unreasonable delay" in notice.description
    assert "first-class mail" in notice.description and "e-mail" in notice.description
    for letter in "ABCDE":
        assert f"45 CFR 164.404(c)(1)({letter})" in notice.related_citations
    assert "45 CFR 164.404(d)(1)(i)" in notice.related_citations
    assert notice.delayed_until is None and notice.state is None
    assert notice.days_remaining is None


def test_next_of_kin_of_the_deceased() -> None:
    """164.404(d)(1)(ii): next of kin or personal representative, where the address is known;
    164.404(d)(2): no substitute notice for next of kin without an address."""
    result = run(
        individuals=people(20, deceased={"next_of_kin_known": 2, "next_of_kin_unknown": 3})
    )
    found = by_key(result)
    assert "15 affected individuals" in found["individuals"].title
    kin = found["next-of-kin"]
    assert kin.recipient is Recipient.NEXT_OF_KIN
    assert kin.citation == "45 CFR 164.404(d)(1)(ii)"
    assert kin.due_on == D(2026, 5, 4)
    assert "no substitute notice is required" in kin.description
    assert "substitute-notice" not in found


def test_no_individual_letters_when_nobody_is_reachable() -> None:
    """164.404(d)(2)(ii): all 12 unreachable: substitute notice only."""
    result = run(individuals=people(12, insufficient_contact=12))
    assert keys(result.obligations) == [
        "substitute-notice",
        "substitute-toll-free",
        "hhs-annual-log",
    ]


def test_media_when_residence_is_unknown() -> None:
    """164.406(a): 400 of 800 without a State: a State might exceed 500, so the engine asks."""
    found = by_key(run(individuals=people(800, by_state={"MA": 400})))
    assert "media-unresolved" in found
    assert found["media-unresolved"].recipient is Recipient.MEDIA
    assert found["media-unresolved"].state is None
    # 100 unallocated cannot lift NH (100) over 500; MA already has its notice.
    found = by_key(run(individuals=people(800, by_state={"MA": 600, "NH": 100})))
    assert [key for key in found if key.startswith("media")] == ["media:MA"]
    assert "media-unresolved" in by_key(run(individuals=people(501)))
    assert "media-unresolved" not in by_key(run(individuals=people(500)))


def test_delay_that_ends_before_the_due_date() -> None:
    """164.412(b): the delay ends 2026-04-05, before 2026-05-04: no notice before then, and the
    due date stands."""
    notice = by_key(
        run(law_enforcement={"oral": {"stated_on": "2026-03-06", "official": "Det. Roe"}})
    )["individuals"]
    assert notice.delayed_until == D(2026, 4, 5)
    assert notice.due_on == D(2026, 5, 4)
    assert "the due date stands" in notice.basis


def test_statement_after_a_notice_was_due_does_not_delay_it() -> None:
    """164.412: a statement suspends pending notices; it cannot excuse one already late."""
    result = run(
        dates={"occurred_on": "2026-01-01", "discovered_on": "2026-01-02"},
        law_enforcement={"oral": {"stated_on": "2026-03-10", "official": "Det. Roe"}},
    )
    found = by_key(result)
    assert found["individuals"].due_on == D(2026, 3, 3)
    assert found["individuals"].delayed_until is None
    assert "came after this notice was due" in found["individuals"].basis
    # The annual log (due 2027-03-01) was still pending: no submission before the delay ends.
    assert found["hhs-annual-log"].delayed_until == D(2026, 4, 9)
    assert found["hhs-annual-log"].due_on == D(2027, 3, 1)


def test_written_statement_after_the_oral_delay_lapsed() -> None:
    """164.412(b) then (a): the written statement came after the 30 days; it still delays the
    notices pending when it arrived."""
    result = run(
        dates={"occurred_on": "2026-03-19", "discovered_on": "2026-03-20"},
        law_enforcement={
            "oral": {"stated_on": "2026-04-01", "official": "Det. Roe"},
            "written": {"received_on": "2026-05-10", "delay_until": "2026-06-30"},
        },
    )
    notice = by_key(result)["individuals"]
    assert notice.due_on == D(2026, 6, 30)
    assert notice.delayed_until == D(2026, 6, 30)
    assert notice.related_citations[-2:] == ("45 CFR 164.412(b)", "45 CFR 164.412(a)")


def test_written_statement_with_a_shorter_period_than_the_oral_cap() -> None:
    """164.412(a): once a written statement follows, its own period governs, even if shorter."""
    notice = by_key(
        run(
            dates={"occurred_on": "2026-03-01", "discovered_on": "2026-03-05"},
            law_enforcement={
                "oral": {"stated_on": "2026-04-20", "official": "Det. Roe"},
                "written": {"received_on": "2026-04-25", "delay_until": "2026-05-10"},
            },
        )
    )["individuals"]
    assert notice.delayed_until == D(2026, 5, 10)
    assert notice.due_on == D(2026, 5, 10)


def test_days_remaining_as_of_today() -> None:
    result = run(
        dates={"occurred_on": "2026-03-01", "discovered_on": "2026-03-05", "as_of": "2026-05-10"}
    )
    found = by_key(result)
    assert found["individuals"].days_remaining == -6
    assert found["hhs-annual-log"].days_remaining == (D(2027, 3, 1) - D(2026, 5, 10)).days


def test_business_associate_that_has_notified() -> None:
    """164.410: a business associate's notice already given is recorded as completed."""
    result = run(
        entity={"role": "business_associate"},
        business_associate={"notified_covered_entity_on": "2026-03-09"},
        dates={"occurred_on": "2026-03-01", "discovered_on": "2026-03-05", "as_of": "2026-03-10"},
    )
    notice = result.obligations[0]
    assert notice.completed_on == D(2026, 3, 9)
    assert notice.days_remaining is None
    assert notice.to_dict()["completed_on"] == "2026-03-09"


def test_estimated_count_below_500_warns() -> None:
    """164.408(c) and (b): an estimate under 500 may still reach the threshold."""
    log = by_key(run(individuals=people(450, estimated=True)))["hhs-annual-log"]
    assert "estimate" in log.description


def test_to_dict() -> None:
    data = by_key(run(individuals=people(600, by_state={"MA": 600})))["media:MA"].to_dict()
    assert data == {
        "key": "media:MA",
        "recipient": "media",
        "title": "Notify prominent media outlets serving MA",
        "due_on": "2026-05-04",
        "citation": "45 CFR 164.406(a)",
        "related_citations": data["related_citations"],
        "description": data["description"],
        "basis": "discovery 2026-03-05 + 60 days = 2026-05-04",
        "delayed_until": None,
        "state": "MA",
        "completed_on": None,
        "days_remaining": None,
    }
