"""``phiward calendar``: the program's deadlines from every app.

``list`` prints open deadlines overdue or due within ``--days`` (overdue first), with their
warning level; ``ics`` writes the iCalendar feed; ``reminders`` lists the reminders the
``calendar-reminders`` job recorded (and mailed). The CLI is the administrator's tool: it
shows every area's deadlines (no role filtering).
"""

from __future__ import annotations

from pathlib import Path

import click

from phiward.console import emit_json
from phiward.inventory.cli import org_option, resolve_org


@click.group("calendar")
def calendar_group() -> None:
    """Deadlines from every program area, with warnings at 30, 14, 7 and 1 days."""


@calendar_group.command("list")
@org_option
@click.option("--days", default=60, show_default=True, type=click.IntRange(0, 3660))
@click.option("--all", "include_done", is_flag=True, help="Also done deadlines in the window.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(org_slug: str | None, days: int, include_done: bool, as_json: bool) -> None:
    """Overdue deadlines and those due within --days."""
    import datetime as dt

    from django.utils import timezone

    from phiward.calendar.deadlines import dashboard_order, sort_key
    from phiward.calendar.registry import EARLIEST, deadlines_for, upcoming

    org = resolve_org(org_slug)
    today = timezone.localdate()
    if include_done:
        found = sorted(
            deadlines_for(org, EARLIEST, today + dt.timedelta(days=days), role=None),
            key=sort_key,
        )
        found = dashboard_order([d for d in found if not d.done], today) + [
            d for d in found if d.done
        ]
    else:
        found = upcoming(org, role=None, today=today, days=days)
    if as_json:
        emit_json(
            {
                "organization": org.slug,
                "today": today.isoformat(),
                "days": days,
                "items": [d.to_dict(today) for d in found],
            }
        )
        return
    if not found:
        click.echo(f"nothing overdue or due within {days} days")
        return
    for d in found:
        warning = d.warning(today)
        if d.done:
            flag = "done"
        elif d.is_overdue(today):
            flag = f"OVERDUE {-d.days_left(today)}d"
        elif warning is not None:
            flag = "TODAY" if warning == 0 else f"<= {warning}d"
        else:
            flag = f"in {d.days_left(today)}d"
        click.echo(f"{d.due_on.isoformat()}  {flag:<14} {d.kind:<16} {d.title}")


@calendar_group.command("reminders")
@org_option
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def reminders_command(org_slug: str | None, limit: int, as_json: bool) -> None:
    """The deadline reminders sent, newest first."""
    from phiward.calendar.models import ReminderSent

    org = resolve_org(org_slug)
    sent = list(ReminderSent.objects.for_org(org)[:limit])
    rows: list[dict[str, str | int | bool]] = [
        {
            "kind": r.kind,
            "key": r.key,
            "due_on": r.due_on.isoformat(),
            "level": r.get_level_display(),
            "sent_at": r.sent_at.isoformat(),
            "recipients": r.recipients,
            "mailed": r.mailed,
        }
        for r in sent
    ]
    if as_json:
        emit_json({"organization": org.slug, "reminders": rows})
        return
    if not rows:
        click.echo("no reminders sent yet")
        return
    for row in rows:
        mailed = "mailed" if row["mailed"] else "recorded (mail off)"
        click.echo(
            f"{str(row['sent_at'])[:16]}  {row['level']!s:<10} due {row['due_on']}  "
            f"{row['kind']!s:<18} {row['recipients']} recipient(s), {mailed}"
        )


@calendar_group.command("ics")
@org_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write to FILE (default: standard output).",
)
@click.option("--base-url", default="", help="Prefix for links, e.g. https://phiward.example.org")
def ics_command(org_slug: str | None, output: Path | None, base_url: str) -> None:
    """The deadlines as an iCalendar (RFC 5545) feed."""
    from django.utils import timezone

    from phiward.calendar.views import feed_deadlines, feed_text

    org = resolve_org(org_slug)
    today = timezone.localdate()
    text = feed_text(org, feed_deadlines(org, None, today), base_url=base_url, today=today)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_bytes(text.encode("utf-8"))
    click.echo(f"wrote {output} ({text.count('BEGIN:VEVENT')} deadlines)", err=True)


COMMANDS = [calendar_group]
