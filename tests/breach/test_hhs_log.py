"""The annual log of breaches under 500 (45 CFR 164.408(c)) and its CSV export."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phiward.breach.hhs_log import (
    COLUMNS,
    LogEntry,
    annual_log,
    entry_problems,
    log_csv,
    portal_input,
    submission_due,
)
from phiward.breach.portal import (
    Action,
    BreachType,
    EntityType,
    Location,
    Party,
    PhiCategory,
    Safeguard,
    portal_problems,
)

ENTRY = LogEntry(
    reference="INC-2026-014",
    discovered_on=date(2026, 5, 4),
    individuals=12,
    breach_start=date(2026, 5, 1),
    breach_end=date(2026, 5, 1),
    breach_types=(BreachType.UNAUTHORIZED_ACCESS_DISCLOSURE,),
    locations=(Location.EMAIL, Location.PAPER_FILMS),
    phi_types=(PhiCategory.DEMOGRAPHIC,),
    summary="Appointment list e-mailed to the wrong practice.",
    safeguards=(Safeguard.PRIVACY_RULE,),
    actions=(Action.TRAINED_WORKFORCE, Action.MITIGATED_HARM),
    actions_description="Recipient confirmed deletion in writing.",
    individual_notice_on=date(2026, 5, 20),
)


def _entry(reference: str, discovered_on: date, individuals: int = 12) -> LogEntry:
    return dataclasses.replace(
        ENTRY,
        reference=reference,
        discovered_on=discovered_on,
        individuals=individuals,
        breach_start=None,
        breach_end=None,
        individual_notice_on=None,
    )


def test_year_is_the_year_of_discovery_at_the_boundaries() -> None:
    dec31 = _entry("INC-A", date(2026, 12, 31))
    jan1 = _entry("INC-B", date(2027, 1, 1))
    occurred_earlier = dataclasses.replace(
        _entry("INC-C", date(2027, 1, 2)), breach_start=date(2026, 12, 20)
    )
    entries = [jan1, dec31, occurred_earlier]
    assert annual_log(entries, 2026) == (dec31,)
    assert annual_log(entries, 2027) == (jan1, occurred_earlier)
    assert annual_log(entries, 2025) == ()


def test_499_is_logged_and_500_is_not() -> None:
    small = _entry("INC-1", date(2026, 6, 1), 499)
    large = _entry("INC-2", date(2026, 6, 1), 500)
    assert annual_log([small, large], 2026) == (small,)
    assert [p.field for p in entry_problems(large)] == ["individuals"]
    assert entry_problems(small) == []


def test_log_is_sorted_by_discovery_then_reference() -> None:
    entries = [
        _entry("INC-9", date(2026, 3, 1)),
        _entry("INC-3", date(2026, 8, 1)),
        _entry("INC-1", date(2026, 3, 1)),
    ]
    assert [e.reference for e in annual_log(entries, 2026)] == ["INC-1", "INC-9", "INC-3"]


@pytest.mark.parametrize(
    ("year", "due"),
    [
        (2026, date(2027, 3, 1)),
        (2027, date(2028, 2, 29)),  # 2028 is a leap year
        (2019, date(2020, 2, 29)),
        (2099, date(2100, 3, 1)),  # 2100 is not
    ],
)
def test_submission_due(year: int, due: date) -> None:
    assert submission_due(year) == due


@given(st.integers(min_value=1, max_value=9000))
def test_submission_due_is_sixty_days_after_new_year_eve(year: int) -> None:
    due = submission_due(year)
    assert due.year == year + 1
    assert (due - date(year, 12, 31)).days == 60
    assert due - timedelta(days=59) == date(year + 1, 1, 1)


def test_entry_problems_name_their_fields() -> None:
    bad = dataclasses.replace(
        ENTRY,
        reference=" ",
        individuals=0,
        breach_start=date(2026, 6, 1),
        breach_end=date(2026, 5, 30),
        individual_notice_on=date(2026, 5, 1),
    )
    assert [p.field for p in entry_problems(bad)] == [
        "reference",
        "individuals",
        "breach_start",
        "breach_end",
        "individual_notice_on",
    ]
    assert entry_problems(ENTRY) == []


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_round_trip() -> None:
    text = log_csv([ENTRY])
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert text.endswith("\r\n")
    [row] = _read(text)
    assert row == {
        "reference": "INC-2026-014",
        "breach_start": "2026-05-01",
        "breach_end": "2026-05-01",
        "discovered_on": "2026-05-04",
        "individuals": "12",
        "breach_types": "Unauthorized Access/Disclosure",
        "locations": "Email; Paper/Films",
        "phi_types": "Demographic",
        "summary": "Appointment list e-mailed to the wrong practice.",
        "safeguards": "Privacy Rule Safeguards (Training, Policies and Procedures, etc.)",
        "actions": "Trained or retrained workforce members; Took steps to mitigate harm",
        "actions_description": "Recipient confirmed deletion in writing.",
        "individual_notice_on": "2026-05-20",
        "substitute_notice": "no",
        "media_notice": "no",
    }


def test_empty_log_is_just_the_header() -> None:
    assert _read(log_csv([])) == []
    assert log_csv([]) == ",".join(COLUMNS) + "\r\n"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_cells_are_neutralised(start: str) -> None:
    text = f'{start}HYPERLINK("http://x.example")'
    entry = dataclasses.replace(ENTRY, summary=text, reference=f"{start}1")
    [row] = _read(log_csv([entry]))
    assert row["summary"] == "'" + text
    assert row["reference"] == f"'{start}1"
    assert row["individuals"] == "12"


def test_text_with_quotes_commas_and_newlines_survives() -> None:
    summary = 'Fax sent to "wrong" number,\nthen recovered.'
    [row] = _read(log_csv([dataclasses.replace(ENTRY, summary=summary)]))
    assert row["summary"] == summary


@given(
    summary=st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    reference=st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)
def test_csv_round_trip_for_any_text(summary: str, reference: str) -> None:
    entry = dataclasses.replace(ENTRY, summary=summary, reference=reference)
    [row] = _read(log_csv([entry]))
    for column, value in (("summary", summary), ("reference", reference)):
        unsafe = value.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert row[column] == ("'" + value if unsafe else value)


def test_logged_breach_becomes_a_portal_report() -> None:
    entity = Party(
        name="Riverside Family Clinic",
        street="12 Main St",
        city="Springfield",
        state="MA",
        zip_code="01101",
        contact_name="Pat Privacy",
        contact_phone="413-555-0100",
        contact_email="privacy@riverside.example",
    )
    data = portal_input(
        dataclasses.replace(ENTRY, media_notice=False),
        entity,
        entity_type=EntityType.HEALTHCARE_PROVIDER,
    )
    assert data.discovery_start == data.discovery_end == ENTRY.discovered_on
    assert data.individuals == 12
    assert portal_problems(data) == []
