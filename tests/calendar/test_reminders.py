"""Deadline reminders: the pure decision (levels, catch-up, no repeats, moved dates), who is
told, and the ``calendar-reminders`` job against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from pytest_django import Settings

from phiward.accounts import mailconfig
from phiward.audit.models import AuditEntry
from phiward.calendar import registry as calendar_registry
from phiward.calendar.deadlines import Deadline, warning_level
from phiward.calendar.jobs import (
    JOBS,
    MailNotSent,
    reminder_interval,
    send_reminders,
)
from phiward.calendar.models import ReminderSent
from phiward.calendar.reminders import (
    OVERDUE,
    Person,
    Reminder,
    Sent,
    SentRecord,
    body,
    deadline_id,
    due_reminders,
    reminder_level,
    route,
    sent_by_deadline,
    subject,
)
from phiward.core.errors import InvalidInput
from phiward.core.models import Organization
from phiward.core.permissions import Area, Role
from phiward.jobs import runner
from phiward.jobs.registry import Registry
from tests.accounts.mailserver import MailServer, Pki, make_pki
from tests.calendar.conftest import Fixed

DAY = dt.date(2026, 6, 1)


def deadline(
    days: int,
    key: str = "a",
    *,
    area: Area = Area.INCIDENTS,
    done: bool = False,
    today: dt.date = DAY,
) -> Deadline:
    return Deadline(
        organization_id=1,
        due_on=today + dt.timedelta(days=days),
        title=f"INC-1: notify {key}",
        area=area,
        url=f"/o/acme/incidents/{key}/",
        citation="45 CFR 164.404(b)",
        kind="breach-obligation",
        key=key,
        done=done,
    )


def levels(found: tuple[Reminder, ...]) -> list[int]:
    return [r.level for r in found]


# --- the pure decision -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "level"),
    [
        (45, None),
        (31, None),
        (30, 30),
        (15, 30),
        (14, 14),
        (8, 14),
        (7, 7),
        (2, 7),
        (1, 1),
        (0, 1),  # due today: within the last day
        (-1, OVERDUE),
        (-400, OVERDUE),
    ],
)
def test_each_threshold(days_left: int, level: int | None) -> None:
    assert reminder_level(DAY + dt.timedelta(days=days_left), DAY) == level
    expected = [] if level is None else [level]
    assert levels(due_reminders([deadline(days_left)], {}, DAY)) == expected
    if days_left >= 1:  # the same bands as the pages' warning levels
        assert level == warning_level(DAY + dt.timedelta(days=days_left), DAY)


def test_day_by_day_each_level_is_sent_once_when_crossed() -> None:
    due = deadline(40)
    sent: dict[tuple[str, str], Sent] = {}
    crossed = []
    for offset in range(60):
        today = DAY + dt.timedelta(days=offset)
        for reminder in due_reminders([due], sent, today):
            crossed.append((reminder.days_left, reminder.level, reminder.when()))
            previous = sent.get(reminder.id, Sent(due.due_on, frozenset()))
            sent[reminder.id] = Sent(due.due_on, previous.levels | {reminder.level})
        assert due_reminders([due], sent, today) == ()  # a second run the same day: nothing
    assert crossed == [
        (30, 30, "due in 30 days"),
        (14, 14, "due in 14 days"),
        (7, 7, "due in 7 days"),
        (1, 1, "due tomorrow"),
        (-1, OVERDUE, "overdue by 1 day"),
    ]


def test_catch_up_after_downtime_sends_only_the_most_urgent_level() -> None:
    due = deadline(3)  # the worker last ran 30 days before the due date
    sent = {deadline_id(due): Sent(due.due_on, frozenset({30}))}
    (only,) = due_reminders([due], sent, DAY)
    assert (only.level, only.days_left) == (7, 3)  # not 14, then 7
    (late,) = due_reminders([due], sent, DAY + dt.timedelta(days=10))
    assert late.level == OVERDUE and late.when() == "overdue by 7 days"
    assert levels(due_reminders([deadline(0)], {}, DAY)) == [1]
    assert due_reminders([due], {deadline_id(due): Sent(due.due_on, frozenset({1}))}, DAY) == ()


def test_done_deadlines_get_nothing() -> None:
    assert due_reminders([deadline(-3, done=True), deadline(1, "b", done=True)], {}, DAY) == ()


def test_a_moved_due_date_starts_over() -> None:
    before = deadline(5)
    sent = {deadline_id(before): Sent(before.due_on, frozenset({30, 14, 7}))}
    assert due_reminders([before], sent, DAY) == ()
    delayed = deadline(25)  # a law-enforcement delay of 20 days
    (again,) = due_reminders([delayed], sent, DAY)
    assert (again.level, again.deadline.due_on) == (30, delayed.due_on)
    assert due_reminders([deadline(40)], sent, DAY) == ()  # moved beyond every threshold
    overdue = {deadline_id(before): Sent(DAY - dt.timedelta(days=3), frozenset({OVERDUE}))}
    assert levels(due_reminders([deadline(10)], overdue, DAY)) == [14]  # rescheduled


def test_a_deadline_due_now_that_slides_with_the_calendar_is_not_repeated() -> None:
    # An exercise never held is "due today" every day: its date moves daily.
    yesterday = Sent(DAY - dt.timedelta(days=1), frozenset({1}))
    slid = deadline(0)
    assert due_reminders([slid], {deadline_id(slid): yesterday}, DAY) == ()
    moved_overdue = deadline(-1)  # still reached: no new overdue notice for the same miss
    stale = {deadline_id(moved_overdue): Sent(DAY - dt.timedelta(days=5), frozenset({OVERDUE}))}
    assert due_reminders([moved_overdue], stale, DAY) == ()


def test_one_reminder_per_deadline_most_urgent_first_and_identities_unique() -> None:
    found = due_reminders([deadline(20, "b"), deadline(-2, "a"), deadline(6, "c")], {}, DAY)
    assert [(r.id[1], r.level) for r in found] == [("a", OVERDUE), ("c", 7), ("b", 30)]
    with pytest.raises(ValueError, match="share the identity"):
        due_reminders([deadline(3), deadline(9)], {}, DAY)
    with pytest.raises(ValueError, match="thresholds"):
        due_reminders([], {}, DAY, thresholds=(7, 0))
    assert levels(due_reminders([deadline(50)], {}, DAY, thresholds=(60, 3))) == [60]


def test_sent_records_count_for_the_due_date_of_the_latest() -> None:
    at = dt.datetime(2026, 5, 1, 6, tzinfo=dt.UTC)
    ident = ("breach-obligation", "a")
    old, new = dt.date(2026, 6, 1), dt.date(2026, 7, 1)
    records = [
        SentRecord(ident, old, 30, at),
        SentRecord(ident, old, 14, at + dt.timedelta(days=16)),
        SentRecord(ident, new, 30, at + dt.timedelta(days=20)),
        SentRecord(("exercise", "tabletop"), old, 1, at),
    ]
    found = sent_by_deadline(records)
    assert found[ident] == Sent(new, frozenset({30}))
    assert found[("exercise", "tabletop")] == Sent(old, frozenset({1}))


def test_deadline_identity() -> None:
    assert deadline_id(deadline(1, "x")) == ("breach-obligation", "x")
    keyless = Deadline(1, DAY, "T", Area.RISK, "/o/a/risk/1/")
    kind, key = deadline_id(keyless)
    assert kind == "deadline" and len(key) == 20 and deadline_id(keyless) == (kind, key)
    long = Deadline(1, DAY, "T", Area.RISK, "/", kind="k" * 80, key="x" * 300)
    kind, key = deadline_id(long)
    assert len(kind) <= 50 and len(key) <= 200 and key.startswith("h:")


def person(user_id: int, email: str, *areas: Area, why: str = "owner") -> Person:
    return Person(user_id, email, frozenset(areas), why)


def test_route_one_letter_per_person_with_what_their_role_reads() -> None:
    found = due_reminders([deadline(3, "i"), deadline(20, "r", area=Area.RISK)], {}, DAY)
    people = [
        person(3, "risk@x.test", Area.RISK),
        person(1, "all@x.test", Area.RISK, Area.INCIDENTS),
        person(2, "", Area.INCIDENTS),
        person(4, "org@x.test", Area.ORGANIZATION),
    ]
    routing = route(found, people)
    assert [
        (letter.person.user_id, [r.id[1] for r in letter.reminders]) for letter in routing.letters
    ] == [
        (1, ["i", "r"]),
        (3, ["r"]),
    ]
    assert [p.user_id for p in routing.without_email] == [2]
    assert routing.recipients == {("breach-obligation", "i"): 1, ("breach-obligation", "r"): 2}


def test_the_message() -> None:
    found = due_reminders([deadline(-2, "a"), deadline(1, "b")], {}, DAY)
    letter = route(found, [person(1, "o@x.test", Area.INCIDENTS, why="privacy officer")]).letters[0]
    assert subject("Acme\nClinic", 2) == "phiward: 2 deadlines need attention at Acme Clinic"
    assert subject("Acme", 1) == "phiward: 1 deadline needs attention at Acme"
    text = body("Acme", letter, calendar_url="/o/acme/calendar/", base_url="https://pw.test/")
    assert "* Overdue by 2 days (2026-05-30): INC-1: notify a" in text
    assert "* Due tomorrow (2026-06-02): INC-1: notify b" in text
    assert "https://pw.test/o/acme/incidents/a/" in text
    assert "https://pw.test/o/acme/calendar/" in text and "as privacy officer of Acme" in text
    bare = body("Acme", letter, calendar_url="/o/acme/calendar/")
    assert "  /o/acme/incidents/a/" in bare and "paths on your phiward server" in bare


# --- the job -----------------------------------------------------------------------------------

FROM = "phiward <phiward@clinic.example>"
NOW = dt.datetime.combine(timezone.localdate(), dt.time(6), tzinfo=dt.UTC)
TODAY = NOW.date()


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def only_fixed(monkeypatch: pytest.MonkeyPatch) -> Fixed:
    """The test's provider alone (the shipped ones would add the exercises due for a new org)."""
    provider = Fixed()
    monkeypatch.setattr(calendar_registry, "_providers", [provider])
    return provider


def use_mail(settings: Settings, url: str, ca_file: Path) -> None:
    environ = {
        mailconfig.SMTP_URL: url,
        mailconfig.EMAIL_FROM: FROM,
        mailconfig.CA_FILE: str(ca_file),
    }
    for name, value in mailconfig.from_environment(environ).as_django().items():
        setattr(settings, name, value)


@pytest.fixture
def people(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> dict[str, User]:
    def member(o: Organization, role: Role, name: str, email: bool = True) -> User:
        user = make_member(o, role, username=name)
        user.email = f"{name}@example.org" if email else ""
        user.save()
        return user

    found = {
        "olga": member(org, Role.OWNER, "olga"),
        "omar": member(org, Role.OWNER, "omar", email=False),
        "sam": member(org, Role.SECURITY_OFFICER, "sam"),
        "pia": member(org, Role.PRIVACY_OFFICER, "pia"),
        "aud": member(org, Role.AUDITOR, "aud"),
        "wes": member(org, Role.WORKFORCE, "wes"),
        # Designated privacy officer while her role is workforce: told only what she may read.
        "dora": member(org, Role.WORKFORCE, "dora"),
        "xena": member(other_org, Role.OWNER, "xena"),
    }
    org.security_officer = found["sam"]
    org.privacy_officer = found["dora"]
    org.save()
    return found


@pytest.fixture
def deadlines(only_fixed: Fixed, org: Organization, other_org: Organization) -> Fixed:
    only_fixed.add(org, days(7), "INC-7 notify individuals", Area.INCIDENTS)
    only_fixed.add(org, days(20), "R-3 mitigate", Area.RISK)
    only_fixed.add(org, days(-2), "Board review", Area.ORGANIZATION)
    only_fixed.add(org, days(60), "far away", Area.RISK)
    only_fixed.add(org, days(1), "already done", Area.RISK, done=True)
    only_fixed.add(other_org, days(14), "OTHER-1 notify HHS", Area.INCIDENTS)
    return only_fixed


def received_by(server: MailServer) -> dict[str, EmailMessage]:
    found = {}
    for mail in server.received:
        (address,) = mail.rcpt_tos
        assert address not in found, "one message per recipient per run"
        found[address] = mail.message
    return found


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


@pytest.mark.django_db
def test_the_job_mails_the_people_responsible_once(
    settings: Settings, pki: Pki, people: dict[str, User], deadlines: Fixed, org: Organization
) -> None:
    before = AuditEntry.objects.count()
    with MailServer(pki, "starttls") as server:
        use_mail(settings, server.url(), pki.ca_file)
        settings.BASE_URL = "https://phiward.clinic.example"
        outcome = runner.run_now(Registry(JOBS), "calendar-reminders", actor=None, now=NOW)
        assert outcome.ok, outcome.text
        assert outcome.text == (
            "4 reminders recorded in 2 organizations; 1 person without an e-mail address "
            "skipped; 5 e-mails sent"
        )
        mails = received_by(server)
        assert sorted(mails) == [f"{n}@example.org" for n in ("dora", "olga", "pia", "sam", "xena")]
        for name in ("olga", "pia", "sam"):
            message = mails[f"{name}@example.org"]
            assert message["Subject"] == f"phiward: 3 deadlines need attention at {org.name}"
            assert message["From"] == FROM and message["Auto-Submitted"] == "auto-generated"
            text = text_of(message)
            assert (
                text.index("Overdue by 2 days")
                < text.index("Due in 7 days")
                < text.index("Due in 20 days")
            )
            assert "INC-7 notify individuals" in text
            assert f"https://phiward.clinic.example/o/{org.slug}/calendar/" in text
            assert "far away" not in text and "already done" not in text
            assert "OTHER-1" not in text
        assert "as security officer of" in text_of(mails["sam@example.org"])
        dora = mails["dora@example.org"]
        assert dora["Subject"] == f"phiward: 1 deadline needs attention at {org.name}"
        assert "Board review" in text_of(dora) and "INC-7" not in text_of(dora)
        assert "OTHER-1 notify HHS" in text_of(mails["xena@example.org"])

        rows = {r.key: r for r in ReminderSent.objects.for_org(org)}
        assert {k: (r.level, r.recipients, r.mailed) for k, r in rows.items()} == {
            "INC-7 notify individuals": (7, 3, True),
            "R-3 mitigate": (30, 3, True),
            "Board review": (OVERDUE, 4, True),
        }
        assert all(r.sent_at == NOW and r.kind == "test" for r in rows.values())
        entries = list(
            AuditEntry.objects.filter(seq__gte=before, object_type="calendar.remindersent")
        )
        assert len(entries) == 4
        assert {(e.actor, e.source) for e in entries} == {("job:calendar-reminders", "system")}
        assert all("INC-7 notify" not in e.summary for e in entries)

        again = send_reminders(NOW + dt.timedelta(hours=1))
        assert again == "no deadline reached a reminder level"
        assert len(server.received) == 5
        assert ReminderSent.objects.count() == 4


@pytest.mark.django_db
def test_catch_up_through_the_job_after_downtime(
    people: dict[str, User], deadlines: Fixed, org: Organization
) -> None:
    send_reminders(NOW)
    later = NOW + dt.timedelta(days=16)  # R-3 now 4 days away: 14 was never sent, 7 is
    summary = send_reminders(later)
    assert summary.startswith("3 reminders recorded in 2 organizations")
    levels_of = {
        key: sorted(
            ReminderSent.objects.for_org(org).filter(key=key).values_list("level", flat=True)
        )
        for key in ("R-3 mitigate", "INC-7 notify individuals", "Board review")
    }
    assert levels_of == {
        "R-3 mitigate": [7, 30],
        "INC-7 notify individuals": [OVERDUE, 7],
        "Board review": [OVERDUE],
    }


@pytest.mark.django_db
def test_without_smtp_the_reminders_are_recorded_and_mail_is_reported_off(
    settings: Settings, people: dict[str, User], deadlines: Fixed, org: Organization
) -> None:
    assert settings.PHIWARD_EMAIL_CONFIGURED is False  # the suite runs without PHIWARD_SMTP_URL
    summary = send_reminders(NOW)
    assert summary == (
        "4 reminders recorded in 2 organizations; 1 person without an e-mail address skipped; "
        "e-mail is off (PHIWARD_SMTP_URL is not set): nothing sent"
    )
    assert sorted(ReminderSent.objects.for_org(org).values_list("mailed", "recipients")) == [
        (False, 3),
        (False, 3),
        (False, 4),
    ]


@pytest.mark.django_db
def test_the_cli_lists_the_reminders_sent(
    people: dict[str, User],
    deadlines: Fixed,
    org: Organization,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from phiward.cli import main

    main(["calendar", "reminders", "--org", org.slug])
    assert "no reminders sent yet" in capsys.readouterr().out
    send_reminders(NOW)
    main(["calendar", "reminders", "--org", org.slug, "--json"])
    listed = json.loads(capsys.readouterr().out)["reminders"]
    assert len(listed) == ReminderSent.objects.for_org(org).count() == 3
    assert {r["mailed"] for r in listed} == {False}
    main(["calendar", "reminders", "--org", org.slug])
    assert "recorded (mail off)" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_relay_that_takes_nothing_fails_the_run_after_recording(
    settings: Settings, pki: Pki, people: dict[str, User], deadlines: Fixed
) -> None:
    with MailServer(pki, "starttls") as server:
        url = server.url()
    use_mail(settings, url, pki.ca_file)  # the server is gone: connections are refused
    with pytest.raises(MailNotSent, match=r"; 5 of 5 e-mails not sent \(ConnectionRefusedError\)"):
        send_reminders(NOW)
    assert ReminderSent.objects.count() == 4  # not sent again: the next level will be
    assert send_reminders(NOW) == "no deadline reached a reminder level"


@pytest.mark.django_db
def test_nobody_to_tell_and_nothing_due(only_fixed: Fixed, org: Organization) -> None:
    assert send_reminders(NOW) == "no deadline reached a reminder level"
    only_fixed.add(org, days(3), "INC-9 notify", Area.INCIDENTS)
    assert send_reminders(NOW) == (
        "1 reminder recorded in 1 organization; e-mail is off (PHIWARD_SMTP_URL is not set): "
        "nothing sent"
    )
    assert ReminderSent.objects.get().recipients == 0


def test_the_interval_setting(settings: Settings) -> None:
    assert reminder_interval() == dt.timedelta(days=1)  # the default
    settings.REMINDER_INTERVAL = "0"
    assert reminder_interval() == dt.timedelta(0)  # off
    settings.REMINDER_INTERVAL = "12h"
    assert reminder_interval() == dt.timedelta(hours=12)
    settings.REMINDER_INTERVAL = "daily"
    with pytest.raises(InvalidInput, match="PHIWARD_REMINDER_INTERVAL"):
        reminder_interval()
