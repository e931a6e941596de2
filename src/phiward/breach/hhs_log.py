"""The log of breaches affecting fewer than 500 individuals, for the yearly HHS submission.

45 CFR 164.408(c): a covered entity keeps a log of breaches of unsecured PHI involving fewer
than 500 individuals and, no later than 60 days after the end of each calendar year, notifies
the Secretary of those DISCOVERED during that year (one portal report per breach). The due date
is ``date(year, 12, 31) + 60 days``: 1 March, or 29 February when the next year is a leap year.

The CSV export has a header row; cells a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, tab or carriage return) get a leading apostrophe (CWE-1236).
Pure: no Django.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from phiward.breach.portal import (
    LARGE_BREACH,
    Action,
    BreachType,
    EntityType,
    Location,
    Party,
    PhiCategory,
    PortalInput,
    Safeguard,
)
from phiward.core.errors import Problem
from phiward.core.spreadsheet import safe_cell

ANNUAL_DAYS = 60
INDIVIDUALS = "individuals"
CHOICE_SEPARATOR = "; "  # between the portal labels of a multiple choice ("Theft; Loss")
COLUMNS = (
    "reference",
    "breach_start",
    "breach_end",
    "discovered_on",
    "individuals",
    "breach_types",
    "locations",
    "phi_types",
    "summary",
    "safeguards",
    "actions",
    "actions_description",
    "individual_notice_on",
    "substitute_notice",
    "media_notice",
)


@dataclass(frozen=True)
class LogEntry:
    reference: str  # the incident's reference, e.g. "INC-2026-014"
    discovered_on: date
    individuals: int
    breach_start: date | None = None
    breach_end: date | None = None
    breach_types: tuple[BreachType, ...] = ()
    locations: tuple[Location, ...] = ()
    phi_types: tuple[PhiCategory, ...] = ()
    summary: str = ""  # brief description; keep names and identifiers out of it
    safeguards: tuple[Safeguard, ...] = ()
    actions: tuple[Action, ...] = ()
    actions_description: str = ""
    individual_notice_on: date | None = None
    substitute_notice: bool = False
    media_notice: bool = False

    def sort_key(self) -> tuple[date, str]:
        return (self.discovered_on, self.reference)


def entry_problems(entry: LogEntry) -> list[Problem]:
    """Contradictions in one entry (the log holds fewer than 500 per breach, at least one)."""
    problems = []
    if not entry.reference.strip():
        problems.append(Problem("a log entry needs the incident reference", field="reference"))
    if entry.individuals < 1:
        problems.append(Problem("the number of individuals must be at least 1", field=INDIVIDUALS))
    elif entry.individuals >= LARGE_BREACH:
        problems.append(
            Problem(
                "500 or more individuals: report to HHS with the individual notices "
                "(164.408(b)), not on the annual log",
                field="individuals",
            )
        )
    if entry.breach_start and entry.breach_start > entry.discovered_on:
        problems.append(Problem("the breach starts after its discovery", field="breach_start"))
    if entry.breach_start and entry.breach_end and entry.breach_end < entry.breach_start:
        problems.append(Problem("the breach ends before it starts", field="breach_end"))
    if entry.individual_notice_on and entry.individual_notice_on < entry.discovered_on:
        problems.append(
            Problem("individual notice is dated before discovery", field="individual_notice_on")
        )
    return problems


def annual_log(entries: Iterable[LogEntry], year: int) -> tuple[LogEntry, ...]:
    """The breaches discovered in ``year`` that affected fewer than 500, by discovery date."""
    chosen = (
        entry
        for entry in entries
        if entry.discovered_on.year == year and entry.individuals < LARGE_BREACH
    )
    return tuple(sorted(chosen, key=LogEntry.sort_key))


def submission_due(year: int) -> date:
    """The last day to notify HHS of the ``year`` log: 60 days after 31 December."""
    return date(year, 12, 31) + timedelta(days=ANNUAL_DAYS)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, tuple):
        text = CHOICE_SEPARATOR.join(str(getattr(v, "label", v)) for v in value)
    else:
        text = "" if value is None else str(value)
    return safe_cell(text)


def log_rows(entries: Sequence[LogEntry]) -> list[dict[str, str]]:
    """One dict per entry, the CSV's cells by column."""
    return [{column: _cell(getattr(entry, column)) for column in COLUMNS} for entry in entries]


def log_csv(entries: Sequence[LogEntry]) -> str:
    """The entries as CSV (header row, CRLF line ends), in the order given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in log_rows(entries):
        writer.writerow([row[column] for column in COLUMNS])
    return buffer.getvalue()


def portal_input(
    entry: LogEntry,
    covered_entity: Party,
    *,
    entity_type: EntityType | None = None,
    business_associate: Party | None = None,
) -> PortalInput:
    """The HHS portal report for one logged breach (the portal takes one report per breach)."""
    return PortalInput(
        covered_entity=covered_entity,
        entity_type=entity_type,
        business_associate=business_associate,
        breach_start=entry.breach_start,
        breach_end=entry.breach_end,
        discovery_start=entry.discovered_on,
        discovery_end=entry.discovered_on,
        individuals=entry.individuals,
        breach_types=entry.breach_types,
        locations=entry.locations,
        phi_types=entry.phi_types,
        description=entry.summary,
        safeguards=entry.safeguards,
        individual_notice_start=entry.individual_notice_on,
        substitute_notice=entry.substitute_notice,
        media_notice=entry.media_notice,
        actions=entry.actions,
        actions_other=entry.actions_description,
    )
