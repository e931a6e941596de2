"""Affected individuals per State: entered counts, or an uploaded list summarised into counts.

Pure: no Django. The list is CSV with a header row and the columns ``state``, ``deceased``
(``y``/``n``) and ``contact_ok`` (``y``/``n``: we have a usable address, or for a deceased
person the next of kin's or personal representative's); other columns (names, record numbers)
are ignored and never kept. Every problem names the line and the column; a file with any
problem gives no counts at all.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from phiward.breach.facts import JURISDICTIONS  # 45 CFR 160.103 "State", by postal code
from phiward.core.errors import InputProblems, Problem

COLUMNS = ("state", "deceased", "contact_ok")
MAX_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS = 50
_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0"}


@dataclass(frozen=True)
class StateCount:
    state: str
    individuals: int
    next_of_kin_known: int = 0
    next_of_kin_unknown: int = 0
    insufficient_contact: int = 0

    @property
    def deceased(self) -> int:
        return self.next_of_kin_known + self.next_of_kin_unknown


@dataclass(frozen=True)
class ListSummary:
    """What an uploaded list comes to: counts per State, and the file's row count and hash."""

    counts: tuple[StateCount, ...]
    rows: int
    sha256: str


def count_problems(counts: tuple[StateCount, ...]) -> list[Problem]:
    """What is wrong with entered counts (the field names the State)."""
    problems = []
    seen: set[str] = set()
    for c in counts:
        field = f"counts.{c.state}"
        if c.state not in JURISDICTIONS:
            problems.append(Problem("not a State or jurisdiction postal code", field=field))
        if c.state in seen:
            problems.append(Problem("this State is listed twice", field=field))
        seen.add(c.state)
        numbers = (c.individuals, c.next_of_kin_known, c.next_of_kin_unknown)
        if min(*numbers, c.insufficient_contact) < 0:
            problems.append(Problem("counts cannot be negative", field=field))
        elif c.deceased + c.insufficient_contact > c.individuals:
            problems.append(
                Problem(
                    "deceased and unreachable individuals cannot outnumber the individuals",
                    field=field,
                )
            )
    return problems


def _flag(value: str, line: int, column: str, file: str, problems: list[Problem]) -> bool | None:
    word = value.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    problems.append(Problem("must be y or n", file=file, row=line, field=column))
    return None


def summarise_list(data: bytes, *, file: str = "list.csv") -> ListSummary:
    """Counts per State from an uploaded list; ``InputProblems`` names each line and column."""
    if len(data) > MAX_BYTES:
        raise InputProblems([Problem("the file is larger than 20 MB", file=file)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputProblems([Problem("the file is not UTF-8 text", file=file)]) from exc
    if "\x00" in text:
        raise InputProblems([Problem("the file holds a NUL character", file=file)])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise InputProblems([Problem("the file is empty", file=file, row=1)]) from exc
    except csv.Error as exc:
        raise InputProblems([Problem("not readable as CSV", file=file, row=1)]) from exc
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InputProblems(
            [
                Problem("the header row lacks this column", file=file, row=1, field=c)
                for c in missing
            ]
        )
    where = {c: names.index(c) for c in COLUMNS}
    problems: list[Problem] = []
    tally: Counter[tuple[str, str]] = Counter()
    rows = 0
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # a blank line
            rows += 1
            if len(record) < len(names):
                problems.append(Problem("the line has too few columns", file=file, row=line))
            else:
                _row(record, where, line, file, problems, tally)
            if len(problems) >= MAX_PROBLEMS:
                break
    except csv.Error as exc:
        problems.append(Problem("not readable as CSV", file=file, row=reader.line_num))
        raise InputProblems(problems) from exc
    if problems:
        raise InputProblems(problems)
    if rows == 0:
        raise InputProblems([Problem("the list has no individuals", file=file, row=2)])
    return ListSummary(_counts(tally), rows, hashlib.sha256(data).hexdigest())


def _row(
    record: list[str],
    where: Mapping[str, int],
    line: int,
    file: str,
    problems: list[Problem],
    tally: Counter[tuple[str, str]],
) -> None:
    state = record[where["state"]].strip().upper()
    if state not in JURISDICTIONS:
        problems.append(
            Problem("not a State or jurisdiction postal code", file=file, row=line, field="state")
        )
    deceased = _flag(record[where["deceased"]], line, "deceased", file, problems)
    contact = _flag(record[where["contact_ok"]], line, "contact_ok", file, problems)
    if state not in JURISDICTIONS or deceased is None or contact is None:
        return
    tally[(state, "all")] += 1
    if deceased:
        tally[(state, "kin_known" if contact else "kin_unknown")] += 1
    elif not contact:
        tally[(state, "no_contact")] += 1


def _counts(tally: Counter[tuple[str, str]]) -> tuple[StateCount, ...]:
    states = sorted({state for state, _ in tally})
    return tuple(
        StateCount(
            state=s,
            individuals=tally[(s, "all")],
            next_of_kin_known=tally[(s, "kin_known")],
            next_of_kin_unknown=tally[(s, "kin_unknown")],
            insufficient_contact=tally[(s, "no_contact")],
        )
        for s in states
    )
