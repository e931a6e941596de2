"""Breach notices: 164.404(c) elements, plain language, media, substitute notice, HHS portal."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phiward.breach.notices import (
    BREACH_DATE_UNKNOWN,
    STATE_NAMES,
    Notice,
    NoticeContent,
    individual_notice,
    media_notice,
    missing_elements,
    next_of_kin_notice,
    plain_language_issues,
    state_name,
    substitute_web_notice,
)
from phiward.breach.portal import (
    Action,
    BreachType,
    EntityType,
    Location,
    Party,
    PhiCategory,
    PortalInput,
    Safeguard,
    hhs_portal_fields,
    portal_problems,
)
from phiward.core.errors import InputProblems

A, B, C, D, E = (f"164.404(c)(1)({letter})" for letter in "ABCDE")

CONTENT = NoticeContent(
    organization="Riverside Family Clinic",
    what_happened="A staff laptop was stolen from a car. The laptop was not encrypted.",
    breach_date=date(2026, 3, 2),
    discovery_date=date(2026, 3, 5),
    phi_types=("full name", "date of birth", "diagnosis"),
    steps_for_individuals="Review the statements you get from your health insurer.",
    what_we_are_doing="We reported the theft to the police and are encrypting all laptops.",
    contact_toll_free="1-800-555-0100",
    contact_email="privacy@riverside.example",
    contact_website="https://riverside.example/notice",
    contact_address="12 Main St\nSpringfield, MA 01101",
)
NO_CONTACT = {
    "contact_toll_free": "",
    "contact_email": "",
    "contact_website": "",
    "contact_address": "",
}

# One emptied field at a time -> (the field the problem names, the element id it cites)
EMPTIED = [
    ({"what_happened": "  "}, "what_happened", A),
    ({"discovery_date": None}, "discovery_date", A),
    ({"phi_types": ()}, "phi_types", B),
    ({"phi_types": ("", " ")}, "phi_types", B),
    ({"steps_for_individuals": ""}, "steps_for_individuals", C),
    ({"what_we_are_doing": "\n"}, "what_we_are_doing", D),
    (NO_CONTACT, "contact", E),
]


def _with(**changes: object) -> NoticeContent:
    return dataclasses.replace(CONTENT, **changes)  # type: ignore[arg-type]


def test_complete_content_has_no_missing_elements() -> None:
    assert missing_elements(CONTENT) == []


@pytest.mark.parametrize(("changes", "field", "element"), EMPTIED)
def test_each_empty_element_is_named(changes: dict[str, object], field: str, element: str) -> None:
    problems = missing_elements(_with(**changes))
    assert [(p.field, p.message.split(" ")[0]) for p in problems] == [(field, element)]


@pytest.mark.parametrize(("changes", "field", "element"), EMPTIED)
def test_every_notice_refuses_an_empty_element(
    changes: dict[str, object], field: str, element: str
) -> None:
    content = _with(**changes)
    for build in (individual_notice, next_of_kin_notice, substitute_web_notice):
        with pytest.raises(InputProblems) as raised:
            build(content)
        assert field in {p.field for p in raised.value.problems}
    with pytest.raises(InputProblems):
        media_notice(content, "MA")


def test_all_empty_elements_are_reported_at_once() -> None:
    empty = NoticeContent("", "", None, None, (), "", "")
    with pytest.raises(InputProblems) as raised:
        individual_notice(empty)
    fields = [p.field for p in raised.value.problems]
    assert fields == [
        "organization",
        "what_happened",
        "discovery_date",
        "phi_types",
        "steps_for_individuals",
        "what_we_are_doing",
        "contact",
    ]
    assert str(raised.value).endswith("(and 6 more)")


def test_any_one_contact_method_satisfies_element_e() -> None:
    for method in NO_CONTACT:
        content = _with(**{**NO_CONTACT, method: "something"})
        assert missing_elements(content) == []


def test_contradictory_dates_are_problems() -> None:
    late = _with(breach_date=date(2026, 3, 9))
    assert [p.field for p in missing_elements(late)] == ["breach_date"]
    backwards = _with(breach_end_date=date(2026, 3, 1))
    assert [p.field for p in missing_elements(backwards)] == ["breach_end_date"]


def test_complete_letter_contains_each_element_text() -> None:
    notice = individual_notice(CONTENT)
    assert notice.kind == "individual"
    assert notice.complete
    assert [e.element_id for e in notice.elements] == [A, B, C, D, E]
    for element in notice.elements:
        assert element.text and element.text in notice.body
    body = notice.body
    assert CONTENT.what_happened in body
    assert "It happened on March 2, 2026. We found out about it on March 5, 2026." in body
    for item in CONTENT.phi_types:
        assert f"- {item}" in body
    assert CONTENT.steps_for_individuals in body
    assert CONTENT.what_we_are_doing in body
    assert "1-800-555-0100" in body
    assert "privacy@riverside.example" in body
    assert "https://riverside.example/notice" in body
    assert "12 Main St, Springfield, MA 01101" in body
    for heading in (
        "What happened",
        "What information was involved",
        "What you can do",
        "What we are doing",
        "For more information",
    ):
        assert f"\n{heading}\n" in body
    assert body.index("What happened") < body.index("For more information")


def test_unknown_breach_date_is_said_plainly() -> None:
    notice = individual_notice(_with(breach_date=None))
    assert BREACH_DATE_UNKNOWN in notice.body
    assert "We found out about it on March 5, 2026." in notice.body
    assert missing_elements(_with(breach_date=None)) == []


def test_breach_over_several_days_names_both_dates() -> None:
    notice = individual_notice(_with(breach_end_date=date(2026, 3, 4)))
    assert "It happened between March 2, 2026 and March 4, 2026." in notice.body
    open_start = individual_notice(_with(breach_date=None, breach_end_date=date(2026, 3, 4)))
    assert f"{BREACH_DATE_UNKNOWN} It ended on March 4, 2026." in open_start.body


def test_draft_marks_gaps_instead_of_raising() -> None:
    draft = individual_notice(_with(what_we_are_doing=""), allow_missing=True)
    assert not draft.complete
    absent = [e.element_id for e in draft.elements if not e.present]
    assert absent == [D]
    assert "[missing: what we are doing" in draft.body


def test_duplicate_phi_types_are_listed_once() -> None:
    notice = individual_notice(_with(phi_types=("Full name", "full name ", "diagnosis")))
    assert notice.body.count("- Full name") == 1
    assert "- full name" not in notice.body


def test_next_of_kin_letter() -> None:
    notice = next_of_kin_notice(CONTENT)
    assert notice.kind == "next_of_kin"
    assert "next of kin or personal representative" in notice.body
    assert "The information about this person may have included:" in notice.body
    assert any("164.404(d)(1)(ii)" in line for line in notice.instructions)
    assert notice.complete


def test_media_notice_names_the_state() -> None:
    notice = media_notice(CONTENT, "ma", residents=612)
    assert notice.kind == "media"
    assert "Massachusetts" in notice.title
    assert "To news media serving Massachusetts." in notice.body
    assert "about 612 residents of Massachusetts" in notice.body
    assert [e.element_id for e in notice.elements] == [A, B, C, D, E]
    assert all(e.text in notice.body for e in notice.elements)
    assert any("prominent media outlets serving Massachusetts" in i for i in notice.instructions)


def test_media_notice_takes_names_and_territories() -> None:
    assert "New York" in media_notice(CONTENT, "New York").title
    assert "the District of Columbia" in media_notice(CONTENT, "DC").body
    assert "The District of Columbia" in media_notice(CONTENT, "dc").title
    assert state_name("Puerto Rico") == "Puerto Rico"
    assert state_name("ZZ") is None


def test_media_notice_needs_a_known_state() -> None:
    with pytest.raises(InputProblems) as raised:
        media_notice(CONTENT, "Atlantis")
    assert [p.field for p in raised.value.problems] == ["state"]
    with pytest.raises(InputProblems):
        media_notice(CONTENT, " ", allow_missing=True)


def test_substitute_notice_requires_toll_free() -> None:
    content = _with(contact_toll_free="")
    assert missing_elements(content) == []  # e-mail etc. satisfy (E) for a letter
    with pytest.raises(InputProblems) as raised:
        substitute_web_notice(content)
    assert [(p.field, p.message.split(" ")[0]) for p in raised.value.problems] == [
        ("contact_toll_free", "164.404(d)(2)(ii)(B)")
    ]


@pytest.mark.parametrize(("unreachable", "needs_toll_free"), [(0, False), (9, False), (10, True)])
def test_toll_free_required_from_ten_unreachable(unreachable: int, needs_toll_free: bool) -> None:
    problems = missing_elements(_with(contact_toll_free=""), unreachable=unreachable)
    assert bool(problems) is needs_toll_free


def test_substitute_web_notice() -> None:
    notice = substitute_web_notice(CONTENT, posted_on=date(2026, 4, 1))
    assert notice.kind == "substitute_web"
    ids = [e.element_id for e in notice.elements]
    assert ids == ["164.404(d)(2)(ii)(B)", A, B, C, D, E]
    assert "call us toll-free at 1-800-555-0100" in notice.body
    assert "at least 90 days" in notice.body
    assert any("home page" in i and "90 days" in i for i in notice.instructions)
    assert any("June 30, 2026" in i for i in notice.instructions)


def test_substitute_posting_shorter_than_90_days_is_refused() -> None:
    with pytest.raises(InputProblems) as raised:
        substitute_web_notice(CONTENT, posting_days=30)
    assert [p.field for p in raised.value.problems] == ["posting_days"]
    assert substitute_web_notice(CONTENT, posting_days=120).complete


def test_generated_wording_is_plain() -> None:
    for notice in (
        individual_notice(CONTENT),
        next_of_kin_notice(CONTENT),
        media_notice(CONTENT, "MA", residents=700),
        substitute_web_notice(CONTENT),
    ):
        assert notice.language_issues == ()


def test_plain_language_check_flags_jargon_and_long_sentences() -> None:
    legalese = "Pursuant to 45 CFR 164.404, your PHI was subject to unauthorized exfiltration."
    long = " ".join(["word"] * 36) + "."
    notice = individual_notice(_with(what_happened=legalese, what_we_are_doing=long))
    found = {(i.section, i.kind, i.detail) for i in notice.language_issues}
    assert ("What happened", "jargon", "pursuant to") in found
    assert ("What happened", "jargon", "PHI") in found
    assert ("What happened", "jargon", "CFR") in found
    assert ("What happened", "jargon", "exfiltration") in found
    assert ("What we are doing", "long_sentence", "36 words") in found
    assert plain_language_issues(" ".join(["word"] * 35) + ".") == ()
    assert plain_language_issues("Our philosophy is care.") == ()  # no 'PHI' inside words


@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=200).filter(
        lambda t: t.strip()
    )
)
def test_any_nonempty_text_lands_in_the_letter(text: str) -> None:
    notice = individual_notice(_with(what_happened=text, steps_for_individuals=text))
    assert notice.complete
    assert text.strip() in notice.body


@given(
    present=st.lists(st.sampled_from(sorted(NO_CONTACT)), unique=True),
)
def test_element_e_needs_exactly_one_method(present: list[str]) -> None:
    content = _with(**{**NO_CONTACT, **dict.fromkeys(present, "x")})
    assert bool(missing_elements(content)) is (not present)


# -- HHS portal ------------------------------------------------------------------------------

ENTITY = Party(
    name="Riverside Family Clinic",
    street="12 Main St",
    city="Springfield",
    state="MA",
    zip_code="01101",
    contact_name="Pat Privacy",
    contact_phone="413-555-0100",
    contact_email="privacy@riverside.example",
)
PORTAL = PortalInput(
    covered_entity=ENTITY,
    entity_type=EntityType.HEALTHCARE_PROVIDER,
    breach_start=date(2026, 3, 2),
    breach_end=date(2026, 3, 2),
    discovery_start=date(2026, 3, 5),
    discovery_end=date(2026, 3, 5),
    individuals=612,
    breach_types=(BreachType.THEFT,),
    locations=(Location.LAPTOP,),
    phi_types=(PhiCategory.DEMOGRAPHIC, PhiCategory.CLINICAL),
    description="An unencrypted laptop was stolen from a staff member's car.",
    safeguards=(Safeguard.PRIVACY_RULE, Safeguard.SECURITY_PHYSICAL),
    individual_notice_start=date(2026, 4, 1),
    substitute_notice=False,
    media_notice=True,
    actions=(Action.ADOPTED_ENCRYPTION, Action.TRAINED_WORKFORCE),
)


def _value(data: PortalInput, key: str) -> str:
    return next(f.value for f in hhs_portal_fields(data) if f.key == key)


def test_complete_portal_input_has_no_problems() -> None:
    assert portal_problems(PORTAL) == []
    fields = hhs_portal_fields(PORTAL)
    assert not any(f.missing for f in fields)
    assert _value(PORTAL, "breach_affecting") == "500 or more individuals"
    assert _value(PORTAL, "breach_types") == "Theft"
    assert _value(PORTAL, "phi_types") == "Demographic; Clinical"
    assert _value(PORTAL, "media_notice") == "Yes"
    assert _value(PORTAL, "business_associate_involved") == "No"
    assert "Hacking/IT Incident" in next(f for f in fields if f.key == "breach_types").options
    assert not any(f.key.startswith("business_associate.") for f in fields)


def test_fewer_than_500_is_labelled() -> None:
    assert _value(dataclasses.replace(PORTAL, individuals=499), "breach_affecting") == (
        "Fewer than 500"
    )


def test_missing_portal_fields_are_problems() -> None:
    empty = PortalInput(covered_entity=Party())
    problems = portal_problems(empty)
    keys = {p.field for p in problems}
    assert {
        "covered_entity.name",
        "covered_entity.contact_email",
        "entity_type",
        "breach_start",
        "discovery_start",
        "individuals",
        "breach_types",
        "locations",
        "phi_types",
        "description",
        "safeguards",
        "individual_notice_start",
        "substitute_notice",
        "media_notice",
        "actions",
    } <= keys
    assert "individual_notice_end" not in keys  # optional on the portal
    assert "breach_type_other" not in keys  # only when "Other" is chosen
    assert all("requires" in p.message for p in problems)


def test_other_choices_need_a_description() -> None:
    data = dataclasses.replace(
        PORTAL,
        breach_types=(BreachType.OTHER,),
        locations=(Location.OTHER,),
        phi_types=(PhiCategory.OTHER,),
        actions=(Action.OTHER,),
    )
    keys = [p.field for p in portal_problems(data)]
    assert keys == ["breach_type_other", "location_other", "phi_other", "actions_other"]


def test_business_associate_fields_when_involved() -> None:
    data = dataclasses.replace(PORTAL, business_associate=Party(name="Shred Co"))
    assert _value(data, "business_associate_involved") == "Yes"
    keys = {p.field for p in portal_problems(data)}
    assert "business_associate.street" in keys
    assert "business_associate.name" not in keys


def test_portal_dates_and_counts_must_agree() -> None:
    data = dataclasses.replace(
        PORTAL,
        breach_end=date(2026, 3, 1),
        discovery_start=date(2026, 3, 1),
        discovery_end=date(2026, 2, 28),
        individuals=0,
        safeguards=(Safeguard.NONE, Safeguard.PRIVACY_RULE),
    )
    keys = [p.field for p in portal_problems(data)]
    assert keys == ["individuals", "safeguards", "breach_end", "discovery_start", "discovery_end"]


def test_notices_and_portal_are_free_of_django() -> None:
    code = (
        "import sys, phiward.breach.notices, phiward.breach.hhs_log, phiward.breach.portal; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_notice_is_frozen() -> None:
    notice = individual_notice(CONTENT)
    assert isinstance(notice, Notice)
    with pytest.raises(dataclasses.FrozenInstanceError):
        notice.body = ""  # type: ignore[misc]


def test_state_names_cover_the_engine_jurisdictions() -> None:
    from phiward.breach.facts import JURISDICTIONS

    assert set(STATE_NAMES) == set(JURISDICTIONS)
