"""Breach notices in plain language, each listing the required elements it carries.

45 CFR 164.404(c)(1) names five things every notice to an individual must say:

- (A) what happened, with the date of the breach and the date it was discovered, if known;
- (B) the types of unsecured PHI involved;
- (C) the steps individuals should take to protect themselves;
- (D) what the organization is doing to investigate, mitigate harm and prevent further breaches;
- (E) how to ask questions: a toll-free number, an e-mail address, a web site or a postal address.

(c)(2) asks for plain language. The media notice (164.406(c)) carries the same content; the
substitute web notice (164.404(d)(2)(ii)) must add a toll-free number, active for at least 90
days, where people can learn whether their information was involved.

``missing_elements`` names every element that is empty; the notice builders raise
``InputProblems`` with all of them unless ``allow_missing`` asks for a draft with gaps marked.
Pure: no Django. The HHS portal fields live in ``phiward.breach.portal`` (re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from phiward.breach.portal import (
    PortalField,
    PortalInput,
    hhs_portal_fields,
    portal_problems,
)
from phiward.core.errors import InputProblems, Problem

__all__ = [
    "BREACH_DATE_UNKNOWN",
    "ELEMENT_LABELS",
    "STATE_NAMES",
    "SUBSTITUTE_THRESHOLD",
    "Notice",
    "NoticeContent",
    "NoticeElement",
    "PlainLanguageIssue",
    "PortalField",
    "PortalInput",
    "hhs_portal_fields",
    "individual_notice",
    "media_notice",
    "missing_elements",
    "next_of_kin_notice",
    "plain_language_issues",
    "portal_problems",
    "state_name",
    "substitute_web_notice",
]

A, B, C, D, E = (f"164.404(c)(1)({letter})" for letter in "ABCDE")
TOLL_FREE = "164.404(d)(2)(ii)(B)"
POSTING = "164.404(d)(2)(ii)(A)"
SUBSTITUTE_THRESHOLD = 10  # 164.404(d)(2)(ii): 10 or more people without usable contact details
SUBSTITUTE_DAYS = 90
ELEMENT_LABELS = {
    A: "What happened, with the dates of the breach and of its discovery",
    B: "The types of information involved",
    C: "Steps people should take to protect themselves",
    D: "What we are doing to investigate, limit harm and prevent further breaches",
    E: "How to ask questions (toll-free number, e-mail, web site or postal address)",
    TOLL_FREE: "A toll-free number, active at least 90 days, to learn if one's information "
    "was involved",
}
BREACH_DATE_UNKNOWN = "We do not know the exact date it happened."
MISSING = "[missing: {label}]"
INFO_LEAD = "The information involved may have included:"
KIN_INFO_LEAD = "The information about this person may have included:"
LONG_SENTENCE_WORDS = 35

STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "DC": "the District of Columbia",
    "PR": "Puerto Rico", "VI": "the U.S. Virgin Islands", "GU": "Guam",
    "AS": "American Samoa", "MP": "the Northern Mariana Islands",
}  # fmt: skip  # "State" in 45 CFR 160.103 includes DC and the territories

# Words a plain-language letter avoids, with what to say instead (164.404(c)(2)).
JARGON = {
    "protected health information": "health information",
    "PHI": "health information",
    "ePHI": "health information",
    "unsecured": "say what was exposed, e.g. 'not encrypted'",
    "covered entity": "our name",
    "business associate": "'a company that works for us'",
    "pursuant to": "under",
    "in accordance with": "under",
    "notwithstanding": "even though",
    "aforementioned": "this",
    "herein": "here",
    "hereby": "(leave it out)",
    "heretofore": "until now",
    "utilize": "use",
    "commence": "start",
    "prior to": "before",
    "subsequent to": "after",
    "in the event that": "if",
    "exfiltrated": "copied",
    "exfiltration": "copying",
    "threat actor": "criminal",
    "CFR": "(leave legal citations out)",
    "§": "(leave legal citations out)",
}
_CASE_SENSITIVE = {"PHI", "ePHI", "CFR"}


@dataclass(frozen=True)
class NoticeContent:
    organization: str
    what_happened: str
    breach_date: date | None
    discovery_date: date | None
    phi_types: tuple[str, ...]  # plain words: "full name", "date of birth", "diagnosis"
    steps_for_individuals: str
    what_we_are_doing: str
    contact_toll_free: str = ""
    contact_email: str = ""
    contact_website: str = ""
    contact_address: str = ""  # postal address; may span lines
    breach_end_date: date | None = None  # when the breach lasted more than a day


@dataclass(frozen=True)
class NoticeElement:
    element_id: str  # "164.404(c)(1)(A)"
    label: str
    text: str  # the words of the notice that carry this element; empty when missing

    @property
    def present(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class PlainLanguageIssue:
    section: str  # the heading the sentence sits under ("" for the opening)
    kind: str  # "long_sentence" or "jargon"
    detail: str  # "42 words" or the term found
    suggestion: str


@dataclass(frozen=True)
class Notice:
    kind: str  # "individual", "media", "substitute_web", "next_of_kin"
    title: str
    body: str  # plain text; headings on their own lines, paragraphs separated by blank lines
    elements: tuple[NoticeElement, ...]
    instructions: tuple[str, ...] = ()  # how to deliver it; not part of the text
    language_issues: tuple[PlainLanguageIssue, ...] = ()

    @property
    def complete(self) -> bool:
        return all(element.present for element in self.elements)


# -- checking ----------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return text.strip()


def _phi_types(content: NoticeContent) -> list[str]:
    seen: list[str] = []
    for item in content.phi_types:
        word = _clean(item)
        if word and word.casefold() not in {s.casefold() for s in seen}:
            seen.append(word)
    return seen


def _contacts(content: NoticeContent) -> list[str]:
    return [
        _clean(value)
        for value in (
            content.contact_toll_free,
            content.contact_email,
            content.contact_website,
            content.contact_address,
        )
        if _clean(value)
    ]


def missing_elements(content: NoticeContent, *, unreachable: int = 0) -> list[Problem]:
    """Every required element that is empty, each naming its field and element id.

    ``unreachable`` is the number of people whose contact details are insufficient; from 10 a
    toll-free number becomes required (164.404(d)(2)(ii)(B)).
    """
    problems: list[Problem] = []

    def need(ok: bool, field: str, element: str, what: str) -> None:
        if not ok:
            problems.append(Problem(f"{element} {what}", field=field))

    need(
        bool(_clean(content.organization)), "organization", "the notice", "needs the sender's name"
    )
    need(bool(_clean(content.what_happened)), "what_happened", A, "needs what happened")
    need(content.discovery_date is not None, "discovery_date", A, "needs the discovery date")
    if (
        content.breach_date
        and content.discovery_date
        and content.breach_date > content.discovery_date
    ):
        problems.append(
            Problem(f"{A} the breach date is after the discovery date", field="breach_date")
        )
    if (
        content.breach_date
        and content.breach_end_date
        and content.breach_end_date < content.breach_date
    ):
        problems.append(Problem(f"{A} the breach ends before it starts", field="breach_end_date"))
    need(bool(_phi_types(content)), "phi_types", B, "needs the types of information involved")
    need(
        bool(_clean(content.steps_for_individuals)),
        "steps_for_individuals",
        C,
        "needs the steps people should take",
    )
    need(
        bool(_clean(content.what_we_are_doing)),
        "what_we_are_doing",
        D,
        "needs what the organization is doing",
    )
    need(
        bool(_contacts(content)),
        "contact",
        E,
        "needs a toll-free number, e-mail address, web site or postal address",
    )
    if unreachable >= SUBSTITUTE_THRESHOLD:
        need(
            bool(_clean(content.contact_toll_free)),
            "contact_toll_free",
            TOLL_FREE,
            "substitute notice to 10 or more people needs a toll-free number",
        )
    return problems


# -- wording -----------------------------------------------------------------------------------


def _day(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _dates(content: NoticeContent) -> str:
    start, end = content.breach_date, content.breach_end_date
    if start and end and end != start:
        when = f"It happened between {_day(start)} and {_day(end)}."
    elif start:
        when = f"It happened on {_day(start)}."
    elif end:
        when = f"{BREACH_DATE_UNKNOWN} It ended on {_day(end)}."
    else:
        when = BREACH_DATE_UNKNOWN
    if content.discovery_date:
        return f"{when} We found out about it on {_day(content.discovery_date)}."
    return when


def _contact_lines(content: NoticeContent) -> list[str]:
    lines = []
    if _clean(content.contact_toll_free):
        lines.append(f"- Call us toll-free at {_clean(content.contact_toll_free)}.")
    if _clean(content.contact_email):
        lines.append(f"- E-mail us at {_clean(content.contact_email)}.")
    if _clean(content.contact_website):
        lines.append(f"- Visit {_clean(content.contact_website)}.")
    if _clean(content.contact_address):
        address = ", ".join(
            part.strip() for part in content.contact_address.splitlines() if part.strip()
        )
        lines.append(f"- Write to us at {address}.")
    return lines


@dataclass(frozen=True)
class _Section:
    heading: str
    text: str
    element: str | None = None  # the element id the section carries


def _missing(element: str) -> str:
    return MISSING.format(label=ELEMENT_LABELS[element].lower())


def _core_sections(content: NoticeContent, *, lead: str) -> list[_Section]:
    """The five 164.404(c)(1) elements under plain headings; empty text where missing."""
    happened = _clean(content.what_happened)
    a_text = f"{happened}\n\n{_dates(content)}" if happened else ""
    phi = _phi_types(content)
    b_text = ""
    if phi:
        b_text = lead + "\n" + "\n".join(f"- {item}" for item in phi)
    steps, doing = _clean(content.steps_for_individuals), _clean(content.what_we_are_doing)
    contacts = _contact_lines(content)
    e_text = ""
    if contacts:
        e_text = "If you have questions, or want to learn more, you can reach us:\n"
        e_text += "\n".join(contacts)
    return [
        _Section("What happened", a_text, A),
        _Section("What information was involved", b_text, B),
        _Section("What you can do", steps, C),
        _Section("What we are doing", doing, D),
        _Section("For more information", e_text, E),
    ]


def _check(content: NoticeContent, unreachable: int, allow_missing: bool) -> None:
    problems = missing_elements(content, unreachable=unreachable)
    if problems and not allow_missing:
        raise InputProblems(problems)


def _render(
    kind: str,
    title: str,
    opening: str,
    sections: Sequence[_Section],
    closing: str,
    instructions: Sequence[str] = (),
) -> Notice:
    parts = [opening]
    elements = []
    for section in sections:
        text = section.text or (_missing(section.element) if section.element else "")
        parts.append(f"{section.heading}\n\n{text}")
        if section.element:
            elements.append(
                NoticeElement(section.element, ELEMENT_LABELS[section.element], section.text)
            )
    parts.append(closing)
    body = "\n\n".join(part for part in parts if part) + "\n"
    issues = plain_language_issues(body, headings=[s.heading for s in sections])
    return Notice(kind, title, body, tuple(elements), tuple(instructions), issues)


def _org(content: NoticeContent) -> str:
    return _clean(content.organization) or "[missing: the sender's name]"


def individual_notice(content: NoticeContent, *, allow_missing: bool = False) -> Notice:
    """The letter to each affected person (164.404(a), (c), (d)(1)(i))."""
    _check(content, 0, allow_missing)
    org = _org(content)
    opening = (
        f"We are writing to tell you about an incident at {org}. It may have involved some of "
        "your health information. We are sorry this happened. This letter explains what "
        "happened, what you can do, and how to reach us."
    )
    return _render(
        "individual",
        "Notice of a breach of your health information",
        opening,
        _core_sections(content, lead=INFO_LEAD),
        f"Sincerely,\n{org}",
        (
            "Send by first-class mail to the last known address, or by e-mail to people who "
            "agreed to e-mail notice (164.404(d)(1)(i)).",
            "Send without unreasonable delay, no later than 60 days after discovery (164.404(b)).",
        ),
    )


def next_of_kin_notice(content: NoticeContent, *, allow_missing: bool = False) -> Notice:
    """The letter to the next of kin or personal representative of a deceased person."""
    _check(content, 0, allow_missing)
    org = _org(content)
    opening = (
        "We are writing to you because our records show that you are the next of kin or "
        f"personal representative of a person who has died. We are sorry for your loss. An "
        f"incident at {org} may have involved some of this person's health information. This "
        "letter explains what happened, what you can do, and how to reach us."
    )
    sections = _core_sections(content, lead=KIN_INFO_LEAD)
    return _render(
        "next_of_kin",
        "Notice of a breach of health information",
        opening,
        sections,
        f"Sincerely,\n{org}",
        (
            "Send by first-class mail to the next of kin or personal representative "
            "(164.404(d)(1)(ii)). No substitute notice is needed when their address is unknown "
            "(164.404(d)(2)).",
        ),
    )


def state_name(state: str) -> str | None:
    """The name of a State or jurisdiction from its postal code or its name; None if unknown."""
    word = state.strip()
    if word.upper() in STATE_NAMES:
        return STATE_NAMES[word.upper()]
    for name in STATE_NAMES.values():
        if name.casefold().removeprefix("the ") == word.casefold().removeprefix("the "):
            return name
    return None


def media_notice(
    content: NoticeContent,
    state: str,
    *,
    residents: int | None = None,
    allow_missing: bool = False,
) -> Notice:
    """The notice to prominent media outlets serving one State (164.406)."""
    name = state_name(state)
    problems = missing_elements(content)
    if name is None:
        problems.append(Problem("164.406(a) needs a known State or jurisdiction", field="state"))
    if residents is not None and residents < 0:
        problems.append(Problem("the number of residents cannot be negative", field="residents"))
    if name is None or (problems and not allow_missing):
        raise InputProblems(problems)
    place = name[0].upper() + name[1:]
    org = _org(content)
    count = f" It affected about {residents:,} residents of {name}." if residents else ""
    opening = (
        f"For immediate release. To news media serving {name}.\n\n{org} is telling people "
        f"about an incident that may have involved their health information.{count} This "
        "notice explains what happened, what people can do, and how to reach us."
    )
    sections = _core_sections(content, lead=INFO_LEAD)
    sections[2] = _Section("What people can do", sections[2].text, C)
    return _render(
        "media",
        f"{org} notifies residents of {place} of a breach of health information",
        opening,
        sections,
        "",
        (
            f"Send to prominent media outlets serving {name} (164.406(a)), for example as a "
            "press release.",
            "Send without unreasonable delay, no later than 60 days after discovery (164.406(b)).",
        ),
    )


def substitute_web_notice(
    content: NoticeContent,
    posting_days: int = SUBSTITUTE_DAYS,
    *,
    posted_on: date | None = None,
    allow_missing: bool = False,
) -> Notice:
    """The home-page notice when 10 or more people cannot be reached (164.404(d)(2)(ii))."""
    problems = missing_elements(content, unreachable=SUBSTITUTE_THRESHOLD)
    if posting_days < SUBSTITUTE_DAYS:
        problems.append(
            Problem(f"{POSTING} the posting must stay up for 90 days", field="posting_days")
        )
    if problems and not allow_missing:
        raise InputProblems(problems)
    org = _org(content)
    toll_free = _clean(content.contact_toll_free)
    toll_text = ""
    if toll_free:
        toll_text = (
            f"To find out if your information was involved, call us toll-free at {toll_free}. "
            f"This number will work for at least {SUBSTITUTE_DAYS} days."
        )
    opening = (
        f"{org} could not reach everyone by mail about an incident that may have involved "
        "their health information. We are posting this notice so that you can learn about it. "
        "We are sorry this happened."
    )
    sections = [
        _Section("Was my information involved?", toll_text, TOLL_FREE),
        *_core_sections(content, lead=INFO_LEAD),
    ]
    window = f"for {posting_days} days"
    if posted_on is not None:
        window += f" (until at least {_day(posted_on + timedelta(days=posting_days))})"
    return _render(
        "substitute_web",
        f"Notice of a breach of health information at {org}",
        opening,
        sections,
        "",
        (
            f"Post conspicuously on the home page of the web site {window} ({POSTING}).",
            f"Keep the toll-free number active for at least {SUBSTITUTE_DAYS} days ({TOLL_FREE}).",
        ),
    )


# -- plain language ----------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[\w'\u2019-]+")


def _term_pattern(term: str) -> re.Pattern[str]:
    flags = 0 if term in _CASE_SENSITIVE else re.IGNORECASE
    if term.isascii() and term[0].isalnum():
        return re.compile(rf"\b{re.escape(term)}\b", flags)
    return re.compile(re.escape(term), flags)


_JARGON = [(term, _term_pattern(term), better) for term, better in JARGON.items()]


def plain_language_issues(
    text: str, *, headings: Sequence[str] = ()
) -> tuple[PlainLanguageIssue, ...]:
    """Sentences over 35 words and legal or technical jargon, located by section heading.

    A hint for the writer, not proof of plain language: short sentences and common words are
    what 164.404(c)(2) asks for, and only a reader can judge the rest.
    """
    issues: list[PlainLanguageIssue] = []
    section = ""
    for block in text.split("\n"):
        line = block.strip().removeprefix("- ")
        if line in headings:
            section = line
            continue
        for sentence in _SENTENCE_END.split(line):
            words = len(_WORD.findall(sentence))
            if words > LONG_SENTENCE_WORDS:
                issues.append(
                    PlainLanguageIssue(
                        section, "long_sentence", f"{words} words", "split it into shorter ones"
                    )
                )
        for term, pattern, better in _JARGON:
            if pattern.search(line):
                issues.append(PlainLanguageIssue(section, "jargon", term, better))
    return tuple(issues)
