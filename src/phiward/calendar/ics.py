"""The calendar as iCalendar (RFC 5545): one all-day VEVENT per deadline. Pure, no Django.

- ``DTSTART;VALUE=DATE`` the due date, ``DTEND`` the day after (an all-day event, 3.6.1);
- ``UID`` stable for the same obligation (kind + key + organization), so a subscribed
  calendar updates an event whose date moved instead of duplicating it;
- ``DTSTAMP`` when the feed was generated (UTC);
- a ``VALARM`` (DISPLAY) at 30, 14, 7 and 1 days before the due date — only those still ahead
  of the generation date, so importing a feed does not fire a burst of stale reminders; a done
  deadline has none and "Done:" before its summary; every event is ``TRANSP:TRANSPARENT``
  (a deadline does not make anyone busy);
- TEXT values escape backslash, semicolon, comma and newlines (3.3.11), other control
  characters are dropped; lines end in CRLF and are folded at 75 octets without splitting a
  UTF-8 character (3.1).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from phiward.calendar.deadlines import WARNING_DAYS, Deadline

PRODID = "-//phiward//Program calendar//EN"
LINE_OCTETS = 75
CRLF = "\r\n"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Feed:
    """What the feed is about: the organization (its slug scopes the UIDs) and where it runs."""

    organization_slug: str
    organization_name: str
    base_url: str = ""  # "https://phiward.example.org"; empty: no URL property, path only


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value.replace("\t", " "))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold one content line at 75 octets; continuation lines start with one space."""
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return line
    parts: list[str] = []
    limit = LINE_OCTETS
    current = bytearray()
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            parts.append(current.decode("utf-8"))
            current = bytearray()
            limit = LINE_OCTETS - 1  # the leading space counts
        current += encoded
    parts.append(current.decode("utf-8"))
    return (CRLF + " ").join(parts)


def uid(deadline: Deadline, organization_slug: str) -> str:
    kind = deadline.kind or "deadline"
    key = deadline.key
    if not key:
        digest = hashlib.sha256(f"{kind}\n{deadline.url}\n{deadline.title}".encode()).hexdigest()
        key = digest[:20]
    return f"{kind}-{key}@{organization_slug}.phiward"


def _date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _event(deadline: Deadline, feed: Feed, stamp: str, today: date) -> list[str]:
    summary = f"Done: {deadline.title}" if deadline.done else deadline.title
    description = [deadline.detail] if deadline.detail else []
    if deadline.citation:
        description.append(deadline.citation)
    description.append(f"{feed.base_url}{deadline.url}")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid(deadline, feed.organization_slug)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_date(deadline.due_on)}",
        f"DTEND;VALUE=DATE:{_date(deadline.due_on + timedelta(days=1))}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(chr(10).join(description))}",
    ]
    if deadline.kind:
        lines.append(f"CATEGORIES:{escape_text(deadline.kind)}")
    if feed.base_url:
        lines.append(f"URL:{feed.base_url}{deadline.url}")
    lines.append("TRANSP:TRANSPARENT")
    if not deadline.done:
        for days in WARNING_DAYS:
            if deadline.due_on - timedelta(days=days) < today:
                continue
            when = "tomorrow" if days == 1 else f"in {days} days"
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{escape_text(f'Due {when}: {deadline.title}')}",
                f"TRIGGER:-P{days}D",
                "END:VALARM",
            ]
    lines.append("END:VEVENT")
    return lines


def render(deadlines: Iterable[Deadline], feed: Feed, *, now: datetime) -> str:
    """The VCALENDAR text (CRLF line ends, folded). ``now`` must be timezone-aware."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    utc = now.astimezone(UTC)
    stamp = utc.strftime("%Y%m%dT%H%M%SZ")
    today = now.date()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(f'{feed.organization_name} — phiward deadlines')}",
    ]
    for deadline in deadlines:
        lines += _event(deadline, feed, stamp, today)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
