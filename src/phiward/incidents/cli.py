"""``phiward incident``: list, show, report and move incidents; the annual HHS breach log.

``list``, ``show`` and ``hhs-log`` print text or, with ``--json``, JSON; ``hhs-log --csv``
prints the log as CSV for the HHS submission. What the CLI writes is on the audit log as the
operating-system user (``os:NAME``); ``report --anonymous`` records no reporter at all. Without
``--org``, the only organization on the install is used.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from phiward.console import emit_json
from phiward.inventory.cli import org_option, resolve_org

if TYPE_CHECKING:
    from phiward.core.models import Organization
    from phiward.incidents.models import Incident

CATEGORIES = (
    "ransomware_malware",
    "phishing_account_compromise",
    "lost_stolen_device",
    "misdirected_communication",
    "unauthorized_access",
    "improper_disposal",
    "vendor_incident",
    "system_outage",
    "other",
)
STATUSES = ("reported", "triage", "contained", "eradicated", "recovered", "closed")
SEVERITIES = ("low", "medium", "high", "critical")


def _incident(org: Organization, ref: str) -> Incident:
    """An incident by its reference (``INC-0007``, ``INC7``, ``7``)."""
    from phiward.core.errors import NotFound
    from phiward.incidents.models import Incident

    digits = ref.strip().upper().removeprefix("INC").lstrip("-")
    found = (
        Incident.objects.for_org(org).filter(number=int(digits)).first()
        if digits.isdecimal() and len(digits) < 10
        else None
    )
    if found is None:
        raise NotFound(f"no incident {ref} in {org.slug}")
    return found


def _moment(value: dt.datetime | None) -> dt.datetime | None:
    """A time from the command line, in the server's time zone when it names none."""
    from django.utils import timezone

    if value is None:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _row(incident: Incident) -> dict[str, object]:
    from phiward.incidents.services import current_assessment

    assessment = current_assessment(incident)
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "title": incident.title,
        "category": incident.category,
        "severity": incident.severity,
        "status": incident.status,
        "anonymous": incident.anonymous,
        "reported_at": incident.reported_at.isoformat(),
        "handler": incident.handler.get_username() if incident.handler else None,
        "phi_involved": incident.phi_involved,
        "closed_at": incident.closed_at.isoformat() if incident.closed_at else None,
        "assessment": None
        if assessment is None
        else {
            "number": assessment.number,
            "outcome": assessment.outcome,
            "signed": assessment.is_signed,
        },
    }


@click.group()
def incident() -> None:
    """Incidents: report, triage and close them; the annual HHS log of small breaches."""


@incident.command("list")
@org_option
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only this status.")
@click.option("--open", "only_open", is_flag=True, help="Only incidents not closed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(org_slug: str | None, status: str | None, only_open: bool, as_json: bool) -> None:
    """List an organization's incidents, newest first."""
    from phiward.incidents.models import Incident

    org = resolve_org(org_slug)
    found = Incident.objects.for_org(org).select_related("handler").order_by("-number")
    if status:
        found = found.filter(status=status)
    if only_open:
        found = found.exclude(status="closed")
    rows = [_row(i) for i in found]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['reference']:<9} {row['status']:<10} {row['severity']:<8} "
            f"{row['category']:<28} {row['title']}"
        )
    click.echo(f"{len(rows)} incidents", err=True)


@incident.command("show")
@click.argument("ref")
@org_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show_command(ref: str, org_slug: str | None, as_json: bool) -> None:
    """Show one incident (INC-0007) with its timeline and obligations."""
    from phiward.incidents.models import Obligation, TimelineEntry

    org = resolve_org(org_slug)
    found = _incident(org, ref)
    data = _row(found)
    data["description"] = found.description
    data["timeline"] = [
        {"at": e.at.isoformat(), "kind": e.kind, "author": e.author_name, "text": e.text}
        for e in TimelineEntry.objects.filter(incident=found)
    ]
    data["obligations"] = [
        {
            "key": o.key,
            "title": o.title,
            "due_on": o.due_on.isoformat() if o.due_on else None,
            "citation": o.citation,
            "status": o.status,
            "done_on": o.done_on.isoformat() if o.done_on else None,
        }
        for o in Obligation.objects.filter(incident=found).order_by("due_on", "pk")
    ]
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['reference']}  {data['title']}")
    click.echo(f"  {data['status']}, {data['severity']}, {data['category']}")
    for entry in data["timeline"]:  # type: ignore[attr-defined]
        click.echo(f"  {entry['at'][:16]}  {entry['kind']:<14} {entry['text']}")
    for o in data["obligations"]:  # type: ignore[attr-defined]
        click.echo(
            f"  due {o['due_on'] or '-':<10} {o['status']:<12} {o['title']} ({o['citation']})"
        )


@incident.command("report")
@org_option
@click.option("--title", required=True, help="What happened, in a few words (no patient names).")
@click.option("--description", default="", help="More about it (stored encrypted).")
@click.option("--category", type=click.Choice(CATEGORIES), default="other", show_default=True)
@click.option("--severity", type=click.Choice(SEVERITIES), default="medium", show_default=True)
@click.option("--occurred", type=click.DateTime(), default=None, help="When it happened.")
@click.option("--discovered", type=click.DateTime(), default=None, help="When it was found.")
@click.option("--reporter", default=None, metavar="USERNAME", help="The member who reported it.")
@click.option("--anonymous", is_flag=True, help="Record no reporter at all.")
@click.option("--json", "as_json", is_flag=True, help="Print the new incident as JSON.")
def report_command(
    org_slug: str | None,
    title: str,
    description: str,
    category: str,
    severity: str,
    occurred: dt.datetime | None,
    discovered: dt.datetime | None,
    reporter: str | None,
    anonymous: bool,
    as_json: bool,
) -> None:
    """Record a reported incident."""
    from phiward.core.errors import InvalidInput
    from phiward.core.members import member_of
    from phiward.incidents import services

    org = resolve_org(org_slug)
    if anonymous and reporter:
        raise InvalidInput("--reporter and --anonymous exclude each other")
    person = member_of(org, reporter).user if reporter else None
    created = services.report(
        org,
        services.Report(
            title=title,
            description=description,
            category=category,
            severity=severity,
            occurred_at=_moment(occurred),
            discovered_at=_moment(discovered),
        ),
        reporter=person,
        anonymous=anonymous,
    )
    if as_json:
        emit_json(_row(created))
        return
    click.echo(f"reported {created.reference}: {created.title}")


@incident.command("status")
@click.argument("ref")
@click.argument("status", type=click.Choice(STATUSES))
@org_option
@click.option("--reason", default="", help="Why (required to reopen a closed incident).")
def status_command(ref: str, status: str, org_slug: str | None, reason: str) -> None:
    """Move incident REF to STATUS (forward; a closed one back to triage with --reason)."""
    from phiward.incidents import services

    org = resolve_org(org_slug)
    moved = services.change_status(_incident(org, ref), status, None, reason=reason)
    click.echo(f"{moved.reference} is now {moved.status}")


@incident.command("hhs-log")
@org_option
@click.option("--year", type=click.IntRange(2009, 2999), required=True, help="Discovery year.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the log as CSV (for the submission).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def hhs_log_command(org_slug: str | None, year: int, as_csv: bool, as_json: bool) -> None:
    """The annual log of breaches affecting fewer than 500 individuals (45 CFR 164.408(c)):
    those discovered in --year, due to HHS 60 days after the year ends."""
    from phiward.breach.hhs_log import log_csv, log_rows, submission_due
    from phiward.core.errors import InvalidInput
    from phiward.incidents import services

    if as_csv and as_json:
        raise InvalidInput("--csv and --json exclude each other")
    org = resolve_org(org_slug)
    entries = services.annual_log_entries(org, year)
    services.record_log_export(org, year, len(entries), "cli")
    if as_csv:
        click.echo(log_csv(entries), nl=False)
        return
    if as_json:
        emit_json(
            {
                "organization": org.slug,
                "year": year,
                "submission_due": submission_due(year).isoformat(),
                "entries": log_rows(entries),
            }
        )
        return
    for e in entries:
        click.echo(f"{e.reference:<9} discovered {e.discovered_on}  {e.individuals:>4} individuals")
    click.echo(
        f"{len(entries)} breaches under 500 discovered in {year}; "
        f"report to HHS by {submission_due(year).isoformat()}",
        err=True,
    )


COMMANDS = [incident]
