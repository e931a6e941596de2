"""Deadline reminders: which to send now, to whom, and what the message says. Pure: no Django.

A deadline is reminded of when it crosses 30, 14, 7 and 1 days before its due date, and when
it becomes overdue (the day after the due date) — once per level per deadline. A run decides
from what was already sent, not from what happened yesterday, so a worker that was down on the
day a threshold was crossed catches up on its next run: it sends the most urgent level reached
and not yet sent, never a backlog of the levels it missed.

Levels are days (30, 14, 7, 1) and ``OVERDUE`` (0); a smaller level is more urgent. "1" covers
the last day and the due date itself ("due tomorrow", "due today").

When a deadline's due date moves (a law-enforcement delay, a rescheduled treatment), its
reminders start over for the new date — unless both the old and the new date are already
reached: a deadline that is due "now" and slides with the calendar (an exercise never held is
due today, every day) is not announced again each day.

``phiward.calendar.jobs`` (the ``calendar-reminders`` job) feeds this module from the database
and the deadline providers, and sends what it answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from phiward.calendar.deadlines import WARNING_DAYS, Deadline
from phiward.core.permissions import Area

OVERDUE = 0  # the level of a deadline past its due date (the most urgent)
KIND_LENGTH = 50
KEY_LENGTH = 200

# (kind, key): stable for the same obligation while its date moves (``Deadline.key``).
DeadlineId = tuple[str, str]


def deadline_id(deadline: Deadline) -> DeadlineId:
    """The deadline's identity for reminders, sized for storage.

    ``key`` is stable within ``kind``; a deadline without one is known by a hash of its link and
    title (as its iCalendar UID is). Over-long parts are replaced by their hash.
    """
    kind = deadline.kind or "deadline"
    key = deadline.key
    if not key:
        key = hashlib.sha256(f"{kind}\n{deadline.url}\n{deadline.title}".encode()).hexdigest()[:20]
    if len(kind) > KIND_LENGTH:
        kind = "h:" + hashlib.sha256(kind.encode()).hexdigest()[:40]
    if len(key) > KEY_LENGTH:
        key = "h:" + hashlib.sha256(key.encode()).hexdigest()
    return kind, key


def reminder_level(
    due_on: date, today: date, thresholds: Sequence[int] = WARNING_DAYS
) -> int | None:
    """The tightest threshold crossed (days left <= threshold), ``OVERDUE`` after the due date,
    None while further away than every threshold."""
    left = (due_on - today).days
    if left < 0:
        return OVERDUE
    level: int | None = None
    for threshold in sorted(thresholds, reverse=True):
        if left <= threshold:
            level = threshold
    return level


def _check_thresholds(thresholds: Sequence[int]) -> None:
    if not thresholds or any(t < 1 for t in thresholds) or len(set(thresholds)) != len(thresholds):
        raise ValueError("thresholds must be distinct whole days of at least 1")


@dataclass(frozen=True)
class Sent:
    """What was already sent for one deadline: the levels, and the due date they were for."""

    due_on: date
    levels: frozenset[int]


@dataclass(frozen=True)
class SentRecord:
    """One stored reminder (a row of ``ReminderSent``)."""

    id: DeadlineId
    due_on: date
    level: int
    sent_at: datetime


def sent_by_deadline(records: Iterable[SentRecord]) -> dict[DeadlineId, Sent]:
    """Per deadline, the levels sent for the due date of its latest reminder."""
    latest: dict[DeadlineId, SentRecord] = {}
    grouped: dict[tuple[DeadlineId, date], set[int]] = {}
    for record in records:
        grouped.setdefault((record.id, record.due_on), set()).add(record.level)
        known = latest.get(record.id)
        if known is None or (record.sent_at, record.due_on) > (known.sent_at, known.due_on):
            latest[record.id] = record
    return {
        key: Sent(record.due_on, frozenset(grouped[(key, record.due_on)]))
        for key, record in latest.items()
    }


@dataclass(frozen=True)
class Reminder:
    """A reminder to send now: ``deadline`` reached ``level`` (days, or ``OVERDUE``)."""

    id: DeadlineId
    deadline: Deadline
    level: int
    days_left: int  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.level == OVERDUE

    def when(self) -> str:
        """ "overdue by 3 days", "due today", "due tomorrow", "due in 12 days"."""
        if self.days_left < 0:
            days = -self.days_left
            return f"overdue by {days} day{'s' if days != 1 else ''}"
        if self.days_left == 0:
            return "due today"
        if self.days_left == 1:
            return "due tomorrow"
        return f"due in {self.days_left} days"


def _starts_over(previous: Sent, due_on: date, today: date) -> bool:
    """A moved due date starts the reminders over, unless the old and the new date are both
    reached already (a deadline due "now" that slides with the calendar)."""
    if previous.due_on == due_on:
        return False
    return not (previous.due_on <= today and due_on <= today)


def due_reminders(
    deadlines: Iterable[Deadline],
    sent: Mapping[DeadlineId, Sent],
    today: date,
    thresholds: Sequence[int] = WARNING_DAYS,
) -> tuple[Reminder, ...]:
    """The reminders to send now: at most one per deadline, the most urgent level it has
    reached and not yet been reminded of (nothing for done deadlines). Most urgent first."""
    _check_thresholds(thresholds)
    found: list[Reminder] = []
    seen: set[DeadlineId] = set()
    for deadline in deadlines:
        key = deadline_id(deadline)
        if key in seen:
            raise ValueError(f"two deadlines share the identity {key[0]}/{key[1]}")
        seen.add(key)
        if deadline.done:
            continue
        level = reminder_level(deadline.due_on, today, thresholds)
        if level is None:
            continue
        previous = sent.get(key)
        already: frozenset[int] = frozenset()
        if previous is not None and not _starts_over(previous, deadline.due_on, today):
            already = previous.levels
        if any(s <= level for s in already):
            continue  # this level, or a more urgent one, was sent
        found.append(Reminder(key, deadline, level, deadline.days_left(today)))
    return tuple(sorted(found, key=_urgency))


def _urgency(reminder: Reminder) -> tuple[date, str, str]:
    return (reminder.deadline.due_on, reminder.id[0], reminder.id[1])


# --- who is told ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone responsible: the areas their role may read, and their e-mail address."""

    user_id: int
    email: str  # "" when they have none
    reads: frozenset[Area]
    why: str = ""  # "security officer", "owner" … named in the message


@dataclass(frozen=True)
class Letter:
    """One message: everything ``person`` is to be reminded of in this run."""

    person: Person
    reminders: tuple[Reminder, ...]


@dataclass(frozen=True)
class Routing:
    letters: tuple[Letter, ...]  # people with an e-mail address and something to read
    without_email: tuple[Person, ...]  # would have had a letter; no address
    recipients: Mapping[DeadlineId, int] = field(default_factory=dict)  # letters per reminder


def route(reminders: Sequence[Reminder], people: Sequence[Person]) -> Routing:
    """Each person gets the reminders of the areas they may read, in one letter."""
    letters: list[Letter] = []
    without: list[Person] = []
    counts: dict[DeadlineId, int] = {r.id: 0 for r in reminders}
    for person in sorted(people, key=lambda p: p.user_id):
        theirs = tuple(r for r in reminders if r.deadline.area in person.reads)
        if not theirs:
            continue
        if not person.email:
            without.append(person)
            continue
        letters.append(Letter(person, theirs))
        for reminder in theirs:
            counts[reminder.id] += 1
    return Routing(tuple(letters), tuple(without), counts)


# --- the message -----------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def link(base_url: str, path: str) -> str:
    """``path`` under ``base_url`` (no base: the path as it is, relative to the server)."""
    if not base_url or "://" in path:
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def subject(organization_name: str, count: int) -> str:
    noun = "deadline needs" if count == 1 else "deadlines need"
    return f"phiward: {count} {noun} attention at {_one_line(organization_name)}"


def body(organization_name: str, letter: Letter, *, calendar_url: str, base_url: str = "") -> str:
    """The plain-text message: each deadline with how close it is, its citation and link."""
    name = _one_line(organization_name)
    lines = [
        "Hello,",
        "",
        f"These deadlines of {name}'s security program have reached a reminder point:",
        "",
    ]
    for reminder in letter.reminders:
        deadline = reminder.deadline
        when = reminder.when()
        due = deadline.due_on.isoformat()
        lines.append(f"* {when[0].upper()}{when[1:]} ({due}): {_one_line(deadline.title)}")
        if deadline.citation:
            lines.append(f"  {_one_line(deadline.citation)}")
        lines.append(f"  {link(base_url, deadline.url)}")
        lines.append("")
    role = f" as {letter.person.why}" if letter.person.why else ""
    lines += [
        f"The program calendar: {link(base_url, calendar_url)}",
        "",
        f"You receive this{role} of {name} in phiward.",
        "Each deadline is reminded of once at 30, 14, 7 and 1 days before it is due,",
        "and once when it is overdue.",
    ]
    if not base_url:
        lines.append("Links are paths on your phiward server.")
    return "\n".join(lines) + "\n"
