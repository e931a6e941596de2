"""``phiward exercise`` (list, add, due, major-change, intervals) and ``phiward irplan``
(list, show, approve).

Read commands print a table or, with ``--json``, JSON. Without ``--org``, the only
organization on the install is used. Writes act as the CLI (the audit log names the OS user);
``irplan approve`` is the operator's approval, recorded without a phiward user.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from phiward.console import emit_json
from phiward.inventory.cli import org_option, resolve_org

if TYPE_CHECKING:
    from phiward.exercises.models import Exercise, IRPlanVersion

DATE = click.DateTime(formats=["%Y-%m-%d"])
KINDS = click.Choice(["tabletop", "drill", "full_test"])


def _row(x: Exercise) -> dict[str, object]:
    from phiward.exercises.models import METRICS

    row: dict[str, object] = {
        "id": x.pk,
        "reference": x.reference,
        "kind": x.kind,
        "title": x.title,
        "held_on": x.held_on.isoformat(),
        "duration_minutes": x.duration_minutes,
        "participants": sorted(u.get_username() for u in x.participants.all()),
        "external_participants": list(x.external_participants),
        "actions": [
            {
                "title": a.title,
                "owner": a.owner.get_username() if a.owner else None,
                "due_on": a.due_on.isoformat() if a.due_on else None,
                "done_on": a.done_on.isoformat() if a.done_on else None,
            }
            for a in x.actions.all()
        ],
    }
    row.update({name: getattr(x, name) for name, _label in METRICS})
    return row


@click.group("exercise")
def exercise() -> None:
    """Incident-response exercises: tabletop, technical drill, full test (S31)."""


@exercise.command("list")
@org_option
@click.option("--kind", type=KINDS, default=None)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(org_slug: str | None, kind: str | None, as_json: bool) -> None:
    """List exercises, newest first."""
    from phiward.exercises.models import Exercise

    org = resolve_org(org_slug)
    found = Exercise.objects.for_org(org).prefetch_related("participants", "actions__owner")
    if kind:
        found = found.filter(kind=kind)
    rows = [_row(x) for x in found]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        click.echo(f"{r['reference']}  {r['held_on']}  {r['kind']:<10} {r['title']}")
    if not rows:
        click.echo("no exercises recorded")


@exercise.command("add")
@org_option
@click.option("--kind", type=KINDS, default="tabletop", show_default=True)
@click.option("--title", required=True)
@click.option("--date", "held_on", type=DATE, default=None, help="Default: today.")
@click.option("--duration", type=click.IntRange(0, 527_040), default=None, help="Minutes.")
@click.option("--scenario", default="")
@click.option("--participant", "participants", multiple=True, metavar="USERNAME")
@click.option("--external", "externals", multiple=True, metavar="NAME", help="Not a member.")
@click.option("--detect", type=click.IntRange(0, 527_040), default=None, help="Minutes.")
@click.option("--contain", type=click.IntRange(0, 527_040), default=None, help="Minutes.")
@click.option("--decide", type=click.IntRange(0, 527_040), default=None, help="Minutes.")
@click.option("--notify", type=click.IntRange(0, 527_040), default=None, help="Minutes.")
@click.option("--findings", default="")
@click.option("--json", "as_json", is_flag=True, help="Print the new exercise as JSON.")
def add_command(
    org_slug: str | None,
    kind: str,
    title: str,
    held_on: dt.datetime | None,
    duration: int | None,
    scenario: str,
    participants: tuple[str, ...],
    externals: tuple[str, ...],
    detect: int | None,
    contain: int | None,
    decide: int | None,
    notify: int | None,
    findings: str,
    as_json: bool,
) -> None:
    """Record an exercise."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from phiward.core.errors import InputProblems, Problem
    from phiward.exercises import services
    from phiward.exercises.schedule import ExerciseKind

    org = resolve_org(org_slug)
    people = []
    for name in participants:
        user = User.objects.filter(username=name, memberships__organization=org).first()
        if user is None:
            raise InputProblems(
                [Problem(f"no member '{name}' in {org.slug}", field="--participant")]
            )
        people.append(user)
    data = services.ExerciseData(
        kind=ExerciseKind(kind),
        title=title,
        held_on=held_on.date() if held_on else timezone.localdate(),
        scenario=scenario,
        duration_minutes=duration,
        participants=tuple(people),
        external_participants=externals,
        metrics={
            "minutes_to_detect": detect,
            "minutes_to_contain": contain,
            "minutes_to_decide": decide,
            "minutes_to_notify": notify,
        },
        findings=findings,
    )
    x = services.record_exercise(org, data, user=None)
    if as_json:
        emit_json(_row(x))
        return
    click.echo(f"recorded {x.reference} (id {x.pk}): {x.title}")


@exercise.command("due")
@org_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def due_command(org_slug: str | None, as_json: bool) -> None:
    """What is due per kind of exercise, and what is overdue (exit 0 either way)."""
    from phiward.exercises.services import due_for

    org = resolve_org(org_slug)
    due = due_for(org)
    if as_json:
        emit_json([d.to_dict() for d in due])
        return
    for d in due:
        state = f"OVERDUE {d.days_overdue}d" if d.overdue else f"in {d.days_left}d"
        if not d.overdue and d.days_left == 0:
            state = "DUE NOW"
        click.echo(f"{d.kind.label:<18} due {d.due_on.isoformat()}  {state:<12} {d.reason}")


# ``--set`` names: the setting, or its short form (``tabletop=2``, ``major_change=30``).
SETTINGS = {
    "tabletop": "tabletop_months",
    "drill": "drill_months",
    "full_test": "full_test_months",
    "major_change": "major_change_days",
}


def _assignment(text: str) -> tuple[str, int]:
    from phiward.core.errors import InputProblems, Problem

    name, _, value = text.partition("=")
    name = SETTINGS.get(name.strip(), name.strip())
    if name not in SETTINGS.values() or not value.strip().isdecimal() or len(value) > 6:
        known = ", ".join(f"{k}=N" for k in SETTINGS)
        raise InputProblems([Problem(f"expected one of {known}", field="--set")])
    return name, int(value)


@exercise.command("intervals")
@org_option
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="NAME=N",
    help="tabletop=MONTHS, drill=MONTHS, full_test=MONTHS, major_change=DAYS (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def intervals_command(org_slug: str | None, assignments: tuple[str, ...], as_json: bool) -> None:
    """Show (or, with --set, shorten) the exercise intervals; never longer than S31's."""
    from phiward.exercises import intervals

    org = resolve_org(org_slug)
    if assignments:
        row = intervals.update_intervals(org, **dict(_assignment(a) for a in assignments))
    else:
        row = intervals.intervals_for(org)
    values = intervals.as_dict(row)
    if as_json:
        emit_json(values)
        return
    for name, value in values.items():
        click.echo(f"{name:<18} {value}")


@exercise.command("major-change")
@org_option
@click.option("--description", required=True)
@click.option("--date", "changed_on", type=DATE, default=None, help="Default: today.")
def major_change_command(
    org_slug: str | None, description: str, changed_on: dt.datetime | None
) -> None:
    """Record a major change: a full test becomes due (within 90 days by default)."""
    from django.utils import timezone

    from phiward.exercises.services import record_major_change

    org = resolve_org(org_slug)
    when = changed_on.date() if changed_on else timezone.localdate()
    record_major_change(org, description, changed_on=when, user=None)
    click.echo(f"recorded the major change of {when.isoformat()}")


def _version(v: IRPlanVersion, current_pk: int | None, *, body: bool) -> dict[str, object]:
    row: dict[str, object] = {
        "id": v.pk,
        "number": v.number,
        "title": v.title,
        "status": v.status,
        "current": v.pk == current_pk,
        "effective_on": v.effective_on.isoformat() if v.effective_on else None,
        "approved_by": v.approved_by.get_username() if v.approved_by else None,
        "approved_at": v.approved_at.isoformat() if v.approved_at else None,
        "change_summary": v.change_summary,
        "digest": v.digest,
        "source_exercise": v.source_exercise.reference if v.source_exercise else None,
    }
    if body:
        row["body"] = v.body
    return row


@click.group("irplan")
def irplan() -> None:
    """The versioned incident-response plan."""


@irplan.command("list")
@org_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def irplan_list(org_slug: str | None, as_json: bool) -> None:
    """Every version, newest first."""
    from phiward.exercises import plan

    org = resolve_org(org_slug)
    current = plan.current(org)
    rows = [_version(v, current.pk if current else None, body=False) for v in plan.versions(org)]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        mark = " (current)" if r["current"] else ""
        click.echo(
            f"v{r['number']}  {r['status']:<8} {r['effective_on'] or '-':<10} {r['title']}{mark}"
        )
    if not rows:
        click.echo("no IR plan yet")


@irplan.command("show")
@org_option
@click.option("--version", "number", type=int, default=None, help="Default: the current one.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def irplan_show(org_slug: str | None, number: int | None, as_json: bool) -> None:
    """Print a version of the plan (default: the current approved one)."""
    from phiward.core.errors import NotFound
    from phiward.exercises import plan
    from phiward.exercises.models import IRPlanVersion

    org = resolve_org(org_slug)
    current = plan.current(org)
    if number is None:
        version = current
    else:
        version = IRPlanVersion.objects.for_org(org).filter(number=number).first()
    if version is None:
        raise NotFound("no such IR plan version" if number else "no approved IR plan yet")
    row = _version(version, current.pk if current else None, body=True)
    if as_json:
        emit_json(row)
        return
    click.echo(f"{version.title} — v{version.number} ({version.status}), SHA-256 {version.digest}")
    click.echo("")
    click.echo(version.body)


@irplan.command("approve")
@org_option
@click.argument("number", metavar="VERSION", type=click.IntRange(1, 1_000_000))
@click.option("--effective-on", type=DATE, default=None, help="Default: today.")
def irplan_approve(org_slug: str | None, number: int, effective_on: dt.datetime | None) -> None:
    """Approve draft VERSION: it becomes the current IR plan (the CLI operator approves)."""
    from phiward.core.errors import NotFound
    from phiward.exercises import plan
    from phiward.exercises.models import IRPlanVersion

    org = resolve_org(org_slug)
    version = IRPlanVersion.objects.for_org(org).filter(number=number).first()
    if version is None:
        raise NotFound(f"no IR plan version {number}")
    when = effective_on.date() if effective_on else None
    plan.approve(version, user=None, role=None, effective_on=when)
    assert version.effective_on is not None
    click.echo(
        f"approved v{version.number}, effective {version.effective_on.isoformat()}: "
        "it is the current IR plan"
    )


COMMANDS = [exercise, irplan]
