"""Who must be told what, and by when: the obligations that follow from a breach.

From a determination that notification is required, ``obligations`` lists every duty with its
due date, citation and how the date was computed. Days are calendar days.

- Covered entity: individuals (164.404(b): discovery + 60 days), next of kin of the deceased
  (164.404(d)(1)(ii)), substitute notice when contact information is insufficient
  (164.404(d)(2)(i) for fewer than 10; (d)(2)(ii) for 10 or more, with a toll-free number),
  the media per State with more than 500 residents (164.406), and HHS: contemporaneously with
  the individual notice for 500 or more (164.408(b)), or in the annual log due 60 days after
  the end of the calendar year of discovery for fewer than 500 (164.408(c)).
- Business associate: the covered entity, within 60 days of its own discovery, with the
  identities of the individuals (164.410). Its duty runs to the covered entity, which then owes
  the notices above.
- Law-enforcement delay (164.412): a statement suspends the notices still pending when it is
  made. A written statement delays for the time it specifies (164.412(a)); an oral one,
  documented with the official's identity, for at most 30 days from the statement unless a
  written statement follows within those 30 days, whose period then governs (164.412(b)). A
  delayed notice is due on the later of its own due date and the day the delay ends
  (``delayed_until``): the delay suspends the notice, it does not restart the 60 days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from phiward.breach.determination import Determination
from phiward.breach.facts import (
    BreachFacts,
    EntityRole,
    Individuals,
    LawEnforcement,
    OralStatement,
    WrittenStatement,
)

NOTICE_DAYS = 60  # 164.404(b), 164.406(b), 164.410(b)
ORAL_DELAY_DAYS = 30  # 164.412(b)
HHS_IMMEDIATE_THRESHOLD = 500  # 164.408(b): 500 or more individuals
MEDIA_THRESHOLD = 500  # 164.406(a): more than 500 residents of a State
SUBSTITUTE_WEB_THRESHOLD = 10  # 164.404(d)(2)(ii): 10 or more
SUBSTITUTE_DAYS = 90  # posting and toll-free number

CONTENT = (
    "Content, in plain language (164.404(c)(2)): (A) a brief description of what happened, "
    "with the date of the breach and of its discovery, if known; (B) the types of unsecured "
    "PHI involved; (C) steps individuals should take to protect themselves from potential "
    "harm; (D) what the entity is doing to investigate, mitigate harm and protect against "
    "further breaches; (E) contact procedures, which include a toll-free number, an e-mail "
    "address, Web site or postal address (164.404(c)(1)(A)-(E))."
)
CONTENT_CITATIONS = (
    *(f"45 CFR 164.404(c)(1)({letter})" for letter in "ABCDE"),
    "45 CFR 164.404(c)(2)",
)


class Recipient(StrEnum):
    INDIVIDUALS = "individuals"
    NEXT_OF_KIN = "next_of_kin"
    SUBSTITUTE = "substitute_notice"
    MEDIA = "media"
    HHS = "hhs"
    COVERED_ENTITY = "covered_entity"


@dataclass(frozen=True)
class Obligation:
    key: str  # stable within an assessment: "individuals", "media:MA", "hhs", ...
    recipient: Recipient
    title: str
    due_on: dt.date | None
    citation: str
    description: str  # what must be done, method options, content requirements
    basis: str  # how the due date was computed
    delayed_until: dt.date | None = None  # a 164.412 delay applies: no notice before this day
    state: str | None = None  # media obligations: the State or jurisdiction
    related_citations: tuple[str, ...] = ()
    completed_on: dt.date | None = None  # known from the facts (a BA's notice to the CE)
    days_remaining: int | None = None  # due_on - dates.as_of, while not completed

    def to_dict(self) -> dict[str, object]:
        def iso(day: dt.date | None) -> str | None:
            return None if day is None else day.isoformat()

        return {
            "key": self.key,
            "recipient": str(self.recipient),
            "title": self.title,
            "due_on": iso(self.due_on),
            "citation": self.citation,
            "related_citations": list(self.related_citations),
            "description": self.description,
            "basis": self.basis,
            "delayed_until": iso(self.delayed_until),
            "state": self.state,
            "completed_on": iso(self.completed_on),
            "days_remaining": self.days_remaining,
        }


@dataclass(frozen=True)
class _Delay:
    """One law-enforcement statement: made on ``made_on``, delaying until ``until``."""

    made_on: dt.date
    until: dt.date
    citations: tuple[str, ...]
    account: str
    said: str = ""  # a provisional statement, as a later written one refers to it

    @property
    def cited(self) -> str:
        return ", ".join(citation.removeprefix("45 CFR ") for citation in self.citations)


def law_enforcement_delays(law: LawEnforcement) -> tuple[_Delay, ...]:
    """The statements of 164.412 as delays, in the order they were made.

    A provisional delay (an oral statement, or a written one that specifies no period) lasts at
    most 30 days; a written statement specifying the period received within those 30 days
    replaces it, and its own period governs (164.412(b), "unless a written statement as
    described in paragraph (a) ... is submitted during that time"). Every other statement is a
    delay of its own; a notice waits for all of them.
    """
    statements: list[tuple[dt.date, int, OralStatement | WrittenStatement]] = []
    if law.oral is not None:
        statements.append((law.oral.stated_on, 0, law.oral))
    written = (law.written,) if law.written is not None else ()
    for order, statement in enumerate((*written, *law.further_written), start=1):
        statements.append((statement.received_on, order, statement))
    delays: list[_Delay] = []
    open_: int | None = None  # index in delays of a provisional delay a written one may replace
    for made_on, _, statement in sorted(statements, key=lambda item: item[:2]):
        if isinstance(statement, OralStatement) or not statement.period_specified:
            delays.append(_provisional(statement))
            open_ = len(delays) - 1
            continue
        received = f"received {statement.received_on.isoformat()}"
        if open_ is not None and made_on <= delays[open_].until:
            provisional = delays[open_]
            delays[open_] = _Delay(
                provisional.made_on,
                statement.ends_on,
                ("45 CFR 164.412(a)", "45 CFR 164.412(b)"),
                f"{provisional.said}, followed within 30 days by a written statement {received} "
                "whose period governs",
                provisional.said,
            )
            open_ = None
            continue
        delays.append(
            _Delay(
                made_on,
                statement.ends_on,
                ("45 CFR 164.412(a)",),
                f"written statement {received}, for the period it specifies",
            )
        )
    return tuple(sorted(delays, key=lambda delay: delay.made_on))


def _provisional(statement: OralStatement | WrittenStatement) -> _Delay:
    """An oral statement, or a written one naming no period: at most 30 days (164.412(b))."""
    if isinstance(statement, OralStatement):
        said = f"oral statement of {statement.stated_on.isoformat()}"
        return _Delay(
            statement.stated_on,
            statement.stated_on + dt.timedelta(days=ORAL_DELAY_DAYS),
            ("45 CFR 164.412(b)",),
            f"{said}, documented with the official's identity: at most 30 days",
            said,
        )
    said = f"written statement received {statement.received_on.isoformat()}"
    return _Delay(
        statement.received_on,
        statement.ends_on,
        ("45 CFR 164.412(b)",),
        f"{said} that specifies no period, so not one under 164.412(a): documented with the "
        "official's identity and read like an oral statement, at most 30 days",
        said,
    )


@dataclass(frozen=True)
class _Clock:
    due_on: dt.date
    basis: str
    delayed_until: dt.date | None
    citations: tuple[str, ...]


def _clock(due_on: dt.date, basis: str, delays: tuple[_Delay, ...]) -> _Clock:
    """Apply the delays, in the order they were made, to a notice originally due ``due_on``."""
    until: dt.date | None = None
    citations: list[str] = []
    parts = [basis]
    for delay in delays:
        if delay.made_on > due_on:
            parts.append(
                f"the law-enforcement statement of {delay.made_on.isoformat()} came after this "
                "notice was due and does not delay it"
            )
            continue
        until = delay.until if until is None else max(until, delay.until)
        citations.extend(delay.citations)
        if delay.until > due_on:
            due_on = delay.until
            parts.append(
                f"law-enforcement delay until {delay.until.isoformat()} "
                f"({delay.cited}: {delay.account}): "
                f"due when it ends, {due_on.isoformat()}"
            )
        else:
            parts.append(
                f"law-enforcement delay until {delay.until.isoformat()} "
                f"({delay.cited}: {delay.account}): "
                "do not notify before then; the due date stands"
            )
    return _Clock(due_on, "; ".join(parts), until, tuple(dict.fromkeys(citations)))


def _after(start: dt.date, days: int, what: str) -> tuple[dt.date, str]:
    due = start + dt.timedelta(days=days)
    return due, f"{what} {start.isoformat()} + {days} days = {due.isoformat()}"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def obligations(facts: BreachFacts, determination: Determination) -> tuple[Obligation, ...]:
    """Every notification duty, with its due date; empty when none is required."""
    if not determination.notification_required or facts.individuals is None:
        return ()
    discovered = determination.discovered_on or facts.dates.discovered_on
    delays = law_enforcement_delays(facts.law_enforcement)
    if facts.entity.role is EntityRole.BUSINESS_ASSOCIATE:
        found = [_covered_entity(facts, facts.individuals, discovered, delays)]
    else:
        found = _covered_entity_duties(facts.individuals, discovered, delays)
    as_of = facts.dates.as_of
    if as_of is None:
        return tuple(found)
    return tuple(
        _with_days(obligation, as_of) if obligation.completed_on is None else obligation
        for obligation in found
    )


def _with_days(obligation: Obligation, as_of: dt.date) -> Obligation:
    if obligation.due_on is None:
        return obligation
    return replace(obligation, days_remaining=(obligation.due_on - as_of).days)


def _make(
    key: str,
    recipient: Recipient,
    title: str,
    clock: _Clock,
    citation: str,
    description: str,
    related: tuple[str, ...] = (),
    state: str | None = None,
    completed_on: dt.date | None = None,
) -> Obligation:
    return Obligation(
        key=key,
        recipient=recipient,
        title=title,
        due_on=clock.due_on,
        citation=citation,
        description=description,
        basis=clock.basis,
        delayed_until=clock.delayed_until,
        state=state,
        related_citations=tuple(dict.fromkeys((*related, *clock.citations))),
        completed_on=completed_on,
    )


def _covered_entity(
    facts: BreachFacts, people: Individuals, discovered: dt.date, delays: tuple[_Delay, ...]
) -> Obligation:
    ba = facts.business_associate
    name = ba.covered_entity.strip() if ba is not None else ""
    due, basis = _after(discovered, NOTICE_DAYS, "business associate's discovery")
    clock = _clock(due, basis, delays)
    told = ba.notified_covered_entity_on if ba is not None else None
    if told is not None and told > clock.due_on:
        late = (told - clock.due_on).days
        clock = replace(
            clock,
            basis=f"{clock.basis}; the covered entity was notified {told.isoformat()}, "
            f"{_plural(late, 'day')} after the due date",
        )
    return _make(
        "covered-entity",
        Recipient.COVERED_ENTITY,
        f"Notify the covered entity{f' ({name})' if name else ''}",
        clock,
        "45 CFR 164.410(b)",
        "Notify the covered entity of the breach without unreasonable delay and no later than "
        "60 calendar days after the business associate's discovery. Include, to the extent "
        f"possible, the identity of each of the {_plural(people.total, 'individual')} whose "
        "unsecured PHI has been, or is reasonably believed to have been, accessed, acquired, "
        "used or disclosed (164.410(c)(1)), and any other information the covered entity needs "
        "for its notice to individuals under 164.404(c), at the time or promptly as it becomes "
        "available (164.410(c)(2)). The notices to individuals, the media and HHS are the "
        "covered entity's to give, unless the business associate agreement delegates them.",
        ("45 CFR 164.410(a)(1)", "45 CFR 164.410(c)(1)", "45 CFR 164.410(c)(2)"),
        completed_on=told,
    )


def _covered_entity_duties(
    people: Individuals, discovered: dt.date, delays: tuple[_Delay, ...]
) -> list[Obligation]:
    due, basis = _after(discovered, NOTICE_DAYS, "discovery")
    notice_clock = _clock(due, basis, delays)
    found: list[Obligation] = []
    reachable = people.total - people.deceased - people.insufficient_contact
    if reachable > 0:
        found.append(
            _make(
                "individuals",
                Recipient.INDIVIDUALS,
                f"Notify the {_plural(reachable, 'affected individual')}",
                notice_clock,
                "45 CFR 164.404(b)",
                f"Notify each of the {_plural(reachable, 'individual')} with usable contact "
                "information whose unsecured PHI has been, or is reasonably believed to have "
                "been, accessed, acquired, used or disclosed: without unreasonable delay, and "
                "no later than the due date (the 60 days are an outer limit). Method: written "
                "notice by first-class mail to the last known address, or by e-mail if the "
                "individual has agreed to electronic notice and not withdrawn that agreement; "
                "it may go in more than one mailing as information becomes available "
                "(164.404(d)(1)(i)). Where misuse may be imminent, individuals may also be "
                f"called (164.404(d)(3)). {CONTENT}",
                (
                    "45 CFR 164.404(a)(1)",
                    *CONTENT_CITATIONS,
                    "45 CFR 164.404(d)(1)(i)",
                    "45 CFR 164.404(d)(3)",
                ),
            )
        )
    if people.next_of_kin_known:
        deceased = _plural(people.next_of_kin_known, "deceased individual")
        no_address = (
            f" For the {_plural(people.next_of_kin_unknown, 'deceased individual')} without an "
            "address for next of kin or personal representative, no substitute notice is "
            "required (164.404(d)(2))."
            if people.next_of_kin_unknown
            else ""
        )
        found.append(
            _make(
                "next-of-kin",
                Recipient.NEXT_OF_KIN,
                f"Notify the next of kin of {deceased}",
                notice_clock,
                "45 CFR 164.404(d)(1)(ii)",
                "Written notice by first-class mail to the next of kin or personal "
                "representative of each deceased individual whose next of kin's or personal "
                f"representative's address the entity has ({deceased}); it may go in more "
                "than one mailing. Same content and timing as the individual notice."
                f"{no_address}",
                ("45 CFR 164.404(b)", *CONTENT_CITATIONS, "45 CFR 164.404(d)(2)"),
            )
        )
    found.extend(_substitute(people, notice_clock))
    found.extend(_media(people, discovered, delays))
    found.append(_hhs(people, discovered, notice_clock, delays))
    return found


def _substitute(people: Individuals, clock: _Clock) -> list[Obligation]:
    count = people.insufficient_contact
    if count == 0:
        return []
    who = _plural(count, "individual")
    if count < SUBSTITUTE_WEB_THRESHOLD:
        return [
            _make(
                "substitute-notice",
                Recipient.SUBSTITUTE,
                f"Substitute notice for {who} with insufficient contact information",
                clock,
                "45 CFR 164.404(d)(2)(i)",
                f"The contact information of {who} is insufficient or out of date. Give them "
                "a substitute notice reasonably calculated to reach them: an alternative form "
                "of written notice, telephone, or other means (fewer than 10 individuals). "
                f"{CONTENT}",
                ("45 CFR 164.404(d)(2)", "45 CFR 164.404(b)", *CONTENT_CITATIONS),
            )
        ]
    return [
        _make(
            "substitute-notice",
            Recipient.SUBSTITUTE,
            f"Substitute notice for {who} with insufficient contact information",
            clock,
            "45 CFR 164.404(d)(2)(ii)",
            f"The contact information of {who} is insufficient or out of date (10 or more). "
            "Give substitute notice either as a conspicuous posting on the home page of the "
            f"entity's Web site for {SUBSTITUTE_DAYS} days, or as conspicuous notice in major "
            "print or broadcast media in the geographic areas where the affected individuals "
            "likely reside; it must include a toll-free number (see substitute-toll-free). "
            f"{CONTENT}",
            ("45 CFR 164.404(d)(2)", "45 CFR 164.404(b)", *CONTENT_CITATIONS),
        ),
        _make(
            "substitute-toll-free",
            Recipient.SUBSTITUTE,
            f"Toll-free number for the substitute notice, active at least {SUBSTITUTE_DAYS} days",
            clock,
            "45 CFR 164.404(d)(2)(ii)",
            f"Set up a toll-free phone number that remains active for at least {SUBSTITUTE_DAYS} "
            "days where an individual can learn whether their unsecured PHI may be included in "
            "the breach, and publish it in the substitute notice. It must be working when the "
            "substitute notice appears.",
            ("45 CFR 164.404(d)(2)",),
        ),
    ]


def _media(
    people: Individuals, discovered: dt.date, delays: tuple[_Delay, ...]
) -> list[Obligation]:
    due, basis = _after(discovered, NOTICE_DAYS, "discovery")
    clock = _clock(due, basis, delays)
    found = []
    for state, count in people.by_state:
        if count > MEDIA_THRESHOLD:
            found.append(
                _make(
                    f"media:{state}",
                    Recipient.MEDIA,
                    f"Notify prominent media outlets serving {state}",
                    clock,
                    "45 CFR 164.406(a)",
                    f"The breach involves {count:,} residents of {state}, more than 500: notify "
                    f"prominent media outlets serving {state} (typically a press release), "
                    "without unreasonable delay and no later than the due date. The notice "
                    "has the content of the individual notice (164.406(c)). "
                    f"{CONTENT}",
                    ("45 CFR 164.406(b)", "45 CFR 164.406(c)", *CONTENT_CITATIONS),
                    state=state,
                )
            )
    unallocated = people.unallocated
    below = [count for _, count in people.by_state if count <= MEDIA_THRESHOLD]
    if unallocated and unallocated + max(below, default=0) > MEDIA_THRESHOLD:
        found.append(
            _make(
                "media-unresolved",
                Recipient.MEDIA,
                f"Find the State of residence of {_plural(unallocated, 'individual')}",
                clock,
                "45 CFR 164.406(a)",
                f"The State of residence of {_plural(unallocated, 'individual')} is not "
                "recorded, and with them a State could have more than 500 affected residents. "
                "Establish where they reside (individuals.by_state) and re-run the "
                "assessment: media notice is owed in each State or jurisdiction with more than "
                "500 affected residents, by the due date.",
                ("45 CFR 164.406(b)",),
            )
        )
    return found


def _hhs(
    people: Individuals, discovered: dt.date, notice_clock: _Clock, delays: tuple[_Delay, ...]
) -> Obligation:
    total = _plural(people.total, "individual")
    if people.total >= HHS_IMMEDIATE_THRESHOLD:
        clock = _Clock(
            notice_clock.due_on,
            f"contemporaneously with the notice to individuals (164.404(a)): {notice_clock.basis}",
            notice_clock.delayed_until,
            notice_clock.citations,
        )
        return _make(
            "hhs",
            Recipient.HHS,
            "Notify the Secretary of HHS (500 or more individuals)",
            clock,
            "45 CFR 164.408(b)",
            f"The breach involves {total} (500 or more): notify the Secretary of HHS in the "
            "manner specified on the HHS Web site (the breach portal), contemporaneously with "
            "the notice to individuals.",
            ("45 CFR 164.408(a)",),
        )
    year_end = dt.date(discovered.year, 12, 31)
    due, basis = _after(year_end, NOTICE_DAYS, f"end of {discovered.year}, the year of discovery,")
    estimate = (
        " The number is an estimate: should it reach 500, HHS must instead be notified "
        "contemporaneously with the individual notices (164.408(b))."
        if people.estimated
        else ""
    )
    return _make(
        "hhs-annual-log",
        Recipient.HHS,
        f"Log the breach and report it to HHS for {discovered.year} (fewer than 500 individuals)",
        _clock(due, basis, delays),
        "45 CFR 164.408(c)",
        f"The breach involves {total} (fewer than 500): record it in the log of breaches and "
        f"submit it to the Secretary of HHS, in the manner specified on the HHS Web site, no "
        f"later than 60 days after the end of {discovered.year}. It may be submitted earlier."
        f"{estimate}",
        ("45 CFR 164.408(a)",),
    )
