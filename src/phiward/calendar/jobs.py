"""The calendar's scheduled job (``phiward.jobs.registry``).

``calendar-reminders`` (``PHIWARD_REMINDER_INTERVAL``, default 1d; 0 turns it off): for every
organization, its open deadlines from every provider; those that crossed 30, 14, 7 or 1 days
before their due date, or became overdue, and were not yet reminded of at that level
(``phiward.calendar.reminders`` decides) are recorded — one ``ReminderSent`` row each, audited
in the same transaction — and e-mailed to the people responsible: the designated security and
privacy officers and the members whose role is owner, security officer or privacy officer, each
only about the areas their role may read, in one message per person per organization.

Without e-mail (``PHIWARD_SMTP_URL`` unset) the reminders are still recorded, and the summary
says mail is off. Messages are sent after the organization's records are committed; a message
the relay does not take is not sent again (the next level will be), and fails the run with the
count and the error type, so ``phiward jobs list`` shows it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from phiward.calendar import reminders
from phiward.calendar.deadlines import WARNING_DAYS, Deadline
from phiward.calendar.models import ReminderSent
from phiward.calendar.registry import EARLIEST, deadlines_for
from phiward.core.errors import PhiwardError
from phiward.core.models import Membership, Organization
from phiward.core.permissions import Action, Area, Role, allowed
from phiward.jobs.registry import Job
from phiward.jobs.schedule import parse_interval

logger = logging.getLogger(__name__)

INTERVAL_SETTING = "PHIWARD_REMINDER_INTERVAL"
RESPONSIBLE_ROLES = (Role.OWNER, Role.SECURITY_OFFICER, Role.PRIVACY_OFFICER)
QUERY_BATCH = 500  # keys per query, under SQLite's bound-parameter limit


class MailNotSent(PhiwardError):
    """Reminders were recorded, but the relay did not take every message."""


def reminder_interval() -> dt.timedelta:
    """``settings.REMINDER_INTERVAL`` (``PHIWARD_REMINDER_INTERVAL``, default 1d)."""
    return parse_interval(settings.REMINDER_INTERVAL, INTERVAL_SETTING)


def base_url() -> str:
    """Where links point: ``settings.BASE_URL`` (``PHIWARD_BASE_URL``); "" for bare paths."""
    return str(settings.BASE_URL).strip().rstrip("/")


def mail_configured() -> bool:
    return bool(getattr(settings, "PHIWARD_EMAIL_CONFIGURED", False))


# --- the database side of the pure decisions ---------------------------------------------------


def open_deadlines(organization: Organization, today: dt.date) -> list[Deadline]:
    """Every open deadline, overdue or due within the widest threshold (system use: no role)."""
    end = today + dt.timedelta(days=max(WARNING_DAYS))
    return deadlines_for(organization, EARLIEST, end, role=None, include_done=False)


def sent_for(
    organization: Organization, ids: Iterable[reminders.DeadlineId]
) -> dict[reminders.DeadlineId, reminders.Sent]:
    wanted = set(ids)
    keys = sorted({key for _, key in wanted})
    records: list[reminders.SentRecord] = []
    for start in range(0, len(keys), QUERY_BATCH):
        rows = (
            ReminderSent.objects.for_org(organization)
            .filter(key__in=keys[start : start + QUERY_BATCH])
            .values_list("kind", "key", "due_on", "level", "sent_at")
        )
        records += [
            reminders.SentRecord((kind, key), due_on, level, sent_at)
            for kind, key, due_on, level, sent_at in rows
            if (kind, key) in wanted
        ]
    return reminders.sent_by_deadline(records)


def responsible_people(organization: Organization) -> list[reminders.Person]:
    """The designated officers and the owners and officers by role, if active members; each
    with the areas their role may read."""
    designated = {
        organization.security_officer_id: "security officer",
        organization.privacy_officer_id: "privacy officer",
    }
    designated.pop(None, None)
    memberships = (
        Membership.objects.filter(organization=organization, user__is_active=True)
        .filter(Q(role__in=[r.value for r in RESPONSIBLE_ROLES]) | Q(user_id__in=designated))
        .select_related("user")
        .order_by("user_id")
    )
    people = []
    for membership in memberships:
        role = Role(membership.role)
        why = designated.get(membership.user_id) or role.label.lower()
        people.append(
            reminders.Person(
                user_id=membership.user_id,
                email=(membership.user.email or "").strip(),
                reads=frozenset(a for a in Area if allowed(role, Action.READ, a)),
                why=why,
            )
        )
    return people


@dataclass(frozen=True)
class OrganizationRun:
    organization: Organization
    due: tuple[reminders.Reminder, ...]
    routing: reminders.Routing


def remind(organization: Organization, now: dt.datetime, *, mail: bool) -> OrganizationRun:
    """Decide the organization's reminders and record them (with their audit entries) in one
    transaction. Sends nothing: ``messages`` builds what to send."""
    today = timezone.localdate(now)
    with transaction.atomic():
        found = open_deadlines(organization, today)
        sent = sent_for(organization, map(reminders.deadline_id, found))
        due = reminders.due_reminders(found, sent, today)
        routing = reminders.route(due, responsible_people(organization) if due else [])
        for reminder in due:
            kind, key = reminder.id
            ReminderSent.objects.create(
                organization=organization,
                kind=kind,
                key=key,
                due_on=reminder.deadline.due_on,
                level=reminder.level,
                sent_at=now,
                recipients=routing.recipients.get(reminder.id, 0),
                mailed=mail,
            )
    return OrganizationRun(organization, due, routing)


def messages(run: OrganizationRun, *, link_base: str) -> list[EmailMessage]:
    org = run.organization
    calendar_url = reverse("calendar:month", kwargs={"org": org.slug})
    found = []
    for letter in run.routing.letters:
        message = EmailMessage(
            subject=reminders.subject(org.name, len(letter.reminders)),
            body=reminders.body(org.name, letter, calendar_url=calendar_url, base_url=link_base),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[letter.person.email],
            headers={"Auto-Submitted": "auto-generated"},  # RFC 3834: no auto-replies
        )
        found.append(message)
    return found


def deliver(outgoing: Sequence[EmailMessage]) -> list[str]:
    """Send through the configured backend, one message at a time; the error type of each
    message not sent (never the address: SMTP errors repeat it)."""
    failures: list[str] = []
    attempted = 0
    if not outgoing:
        return failures
    try:
        with get_connection(fail_silently=False) as connection:
            for message in outgoing:
                attempted += 1
                try:
                    connection.send_messages([message])
                except Exception as exc:  # counted and reported by the run; the rest still go
                    failures.append(type(exc).__name__)
    except Exception as exc:  # the relay could not be reached (or the session not closed)
        failures += [type(exc).__name__] * (len(outgoing) - attempted)
    for kind in sorted(set(failures)):
        logger.error("deadline reminder e-mail not sent: %s", kind)
    return failures


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def send_reminders(now: dt.datetime) -> str:
    """The job: record and e-mail the reminders due in every organization."""
    mail = mail_configured()
    link_base = base_url()
    recorded = organizations = sent = skipped = 0
    failures: list[str] = []
    for organization in Organization.objects.order_by("pk"):
        run = remind(organization, now, mail=mail)
        if not run.due:
            continue
        organizations += 1
        recorded += len(run.due)
        skipped += len(run.routing.without_email)
        if mail:
            outgoing = messages(run, link_base=link_base)
            failed = deliver(outgoing)
            sent += len(outgoing) - len(failed)
            failures += failed
    if not recorded:
        return "no deadline reached a reminder level"
    done = f"{_plural(recorded, 'reminder')} recorded in {_plural(organizations, 'organization')}"
    if skipped:
        done += f"; {_plural(skipped, 'person', 'people')} without an e-mail address skipped"
    if not mail:
        return f"{done}; e-mail is off (PHIWARD_SMTP_URL is not set): nothing sent"
    if failures:
        kinds = ", ".join(sorted(set(failures)))
        raise MailNotSent(
            f"{done}; {len(failures)} of {len(failures) + sent} e-mails not sent ({kinds})"
        )
    return f"{done}; {_plural(sent, 'e-mail')} sent"


JOBS = [
    Job(
        name="calendar-reminders",
        interval=reminder_interval,
        function=send_reminders,
        description="E-mail the people responsible when deadlines reach 30, 14, 7, 1 days or "
        "overdue.",
    )
]
