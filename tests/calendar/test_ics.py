"""The iCalendar feed (RFC 5545): structure, folding at 75 octets (UTF-8 aware), escaping,
stable UIDs and the 30/14/7/1-day alarms, read back by a small parser (tests/calendar)."""

from __future__ import annotations

import datetime as dt

import pytest

from phiward.calendar import Deadline
from phiward.calendar.ics import Feed, escape_text, fold, render, uid
from phiward.core.permissions import Area
from tests.calendar.icsparse import parse, unescape, unfold

NOW = dt.datetime(2026, 3, 10, 14, 30, 5, tzinfo=dt.UTC)
FEED = Feed("clinic-a", "Clinic A", "https://phiward.example.org")


def deadline(days: int, **kw: object) -> Deadline:
    values: dict[str, object] = {
        "organization_id": 1,
        "due_on": NOW.date() + dt.timedelta(days=days),
        "title": "Notify individuals",
        "area": Area.INCIDENTS,
        "url": "/o/clinic-a/incidents/7/",
        "kind": "breach-obligation",
        "key": "abc:individuals",
        **kw,
    }
    return Deadline(**values)  # type: ignore[arg-type]


def test_calendar_structure() -> None:
    text = render(
        [deadline(40, citation="45 CFR 164.404(b)", detail="Mail the letters.")], FEED, now=NOW
    )
    cal = parse(text)
    assert cal.name == "VCALENDAR"
    assert cal.get("VERSION") == "2.0"
    assert cal.get("PRODID").startswith("-//phiward//")
    assert cal.get("CALSCALE") == "GREGORIAN"
    (event,) = cal.all("VEVENT")
    assert event.get("UID") == "breach-obligation-abc:individuals@clinic-a.phiward"
    assert event.get("DTSTAMP") == "20260310T143005Z"
    assert event.params("DTSTART") == {"VALUE": "DATE"}
    assert event.get("DTSTART") == "20260419"
    assert event.get("DTEND") == "20260420"
    assert unescape(event.get("SUMMARY")) == "Notify individuals"
    assert unescape(event.get("DESCRIPTION")) == (
        "Mail the letters.\n45 CFR 164.404(b)\nhttps://phiward.example.org/o/clinic-a/incidents/7/"
    )
    assert event.get("URL") == "https://phiward.example.org/o/clinic-a/incidents/7/"
    assert event.get("TRANSP") == "TRANSPARENT"
    alarms = event.all("VALARM")
    assert [a.get("TRIGGER") for a in alarms] == ["-P30D", "-P14D", "-P7D", "-P1D"]
    assert {a.get("ACTION") for a in alarms} == {"DISPLAY"}
    assert unescape(alarms[0].get("DESCRIPTION")) == "Due in 30 days: Notify individuals"
    assert unescape(alarms[-1].get("DESCRIPTION")) == "Due tomorrow: Notify individuals"


def test_alarms_already_past_are_left_out_and_done_has_none() -> None:
    cal = parse(
        render([deadline(10), deadline(0, key="b"), deadline(5, key="c", done=True)], FEED, now=NOW)
    )
    soon, today, done = cal.all("VEVENT")
    assert [a.get("TRIGGER") for a in soon.all("VALARM")] == ["-P7D", "-P1D"]
    assert today.all("VALARM") == []
    assert done.all("VALARM") == []
    assert unescape(done.get("SUMMARY")).startswith("Done: ")


def test_escaping_of_text_values() -> None:
    nasty = "Call HHS; then counsel, at once\\now\nline two\r\nthree\x07"
    assert escape_text(nasty) == "Call HHS\\; then counsel\\, at once\\\\now\\nline two\\nthree"
    cal = parse(render([deadline(1, title=nasty)], FEED, now=NOW))
    assert unescape(cal.all("VEVENT")[0].get("SUMMARY")) == (
        "Call HHS; then counsel, at once\\now\nline two\nthree"
    )


@pytest.mark.parametrize("char", ["a", "é", "€", "😀"])  # 1, 2, 3 and 4 octets
def test_folding_at_75_octets_never_splits_a_character(char: str) -> None:
    line = "SUMMARY:" + char * 200
    folded = fold(line)
    physical = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert physical[0].encode("utf-8")[:75] == physical[0].encode("utf-8")
    assert "".join([physical[0], *(p[1:] for p in physical[1:])]) == line
    # Every physical line is filled as far as a whole character allows.
    width = len(char.encode("utf-8"))
    assert len(physical[0].encode("utf-8")) > 75 - width


def test_short_lines_are_not_folded_and_exactly_75_octets_fit() -> None:
    assert fold("X" * 75) == "X" * 75
    assert fold("X" * 76) == "X" * 75 + "\r\n X"


def test_a_long_multibyte_title_round_trips() -> None:
    title = "Überprüfung der Zugriffsprotokolle — 患者通知 😀 " * 4
    text = render([deadline(3, title=title)], FEED, now=NOW)
    unfold(text)  # asserts every physical line <= 75 octets
    assert unescape(parse(text).all("VEVENT")[0].get("SUMMARY")) == title


def test_uid_is_stable_and_scoped() -> None:
    moved = deadline(90)
    assert uid(deadline(3), "clinic-a") == uid(moved, "clinic-a")
    assert uid(deadline(3), "clinic-a") != uid(deadline(3), "clinic-b")
    keyless = deadline(3, key="")
    assert uid(keyless, "clinic-a") == uid(deadline(50, key=""), "clinic-a")
    assert uid(keyless, "clinic-a").endswith("@clinic-a.phiward")


def test_without_base_url_no_url_property() -> None:
    cal = parse(render([deadline(3)], Feed("clinic-a", "Clinic A"), now=NOW))
    event = cal.all("VEVENT")[0]
    assert not [n for n, _p, _v in event.properties if n == "URL"]
    assert unescape(event.get("DESCRIPTION")).endswith("/o/clinic-a/incidents/7/")


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        render([], FEED, now=dt.datetime(2026, 1, 1))


def test_an_empty_calendar_is_valid() -> None:
    cal = parse(render([], FEED, now=NOW))
    assert cal.all("VEVENT") == []
    assert unescape(cal.get("X-WR-CALNAME")) == "Clinic A — phiward deadlines"
