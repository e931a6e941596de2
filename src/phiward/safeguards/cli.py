"""``phiward safeguards``: list statuses, set one, show the posture (with the 2025 proposal lens).

A safeguard is named by its Security Rule entry id (``164.312(a)(2)(iv)``) or key
(``164.312-a-2-iv``). ``set`` acts as the CLI (the audit log names the OS user); a required entry
set to "not applicable" awaits an approval in the web app or the API. Without ``--org``, the only
organization on the install is used.
"""

from __future__ import annotations

import click

from phiward.console import emit_json
from phiward.inventory.cli import org_option, resolve_org
from phiward.safeguards.status import Decision, Implementation, Shown

STATUS_CHOICE = click.Choice([s.value for s in Implementation])
SHOWN_CHOICE = click.Choice([s.value for s in Shown])
DECISION_CHOICE = click.Choice([d.value for d in Decision])


@click.group()
def safeguards() -> None:
    """Security Rule safeguards: statuses, addressable decisions, posture."""


@safeguards.command("list")
@org_option
@click.option(
    "--status",
    type=SHOWN_CHOICE,
    default=None,
    help="Only entries shown with this status (evidence and approvals counted).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the statuses as JSON.")
def list_command(org_slug: str | None, status: str | None, as_json: bool) -> None:
    """Every standard and specification with the organization's status."""
    from phiward.core.models import display_name
    from phiward.safeguards import services

    snap = services.snapshot(resolve_org(org_slug))
    rows = [
        {
            "spec_id": item.entry.id,
            "title": item.entry.title,
            "family": str(item.entry.family),
            "requirement": str(item.requirement),
            "status": row.status,
            "shown": str(item.shown),
            "assessed": row.is_recorded,
            "decision": row.decision or None,
            "owner": row.owner.get_username() if row.owner else None,
            "owner_name": display_name(row.owner) if row.owner else None,
            "last_reviewed_on": row.last_reviewed_on,
            "na_pending": row.na_pending,
            "risks": [risk.reference for risk in item.facts.risks],
        }
        for row, item in zip(snap.rows, snap.posture.items, strict=True)
        if status is None or str(item.shown) == status
    ]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        ra = "R" if r["requirement"] == "required" else "A"
        shown = Shown(str(r["shown"])).label
        click.echo(f"{r['spec_id']:<22} {ra} {shown:<36} {r['title']}")


@safeguards.command("set")
@click.argument("spec")
@org_option
@click.option("--status", type=STATUS_CHOICE, default=None, help="The implementation status.")
@click.option(
    "--decision",
    type=DECISION_CHOICE,
    default=None,
    help="Addressable specifications: as_specified, alternative or not_reasonable.",
)
@click.option("--alternative", default=None, help="The equivalent alternative measure.")
@click.option(
    "--rationale",
    default=None,
    help="Why the specification as written is not reasonable and appropriate.",
)
@click.option("--na-reason", default=None, help='Why a required entry is "not applicable".')
@click.option("--description", default=None, help="How it is met.")
@click.option("--owner", default=None, metavar="USERNAME", help="A member who owns it.")
@click.option("--json", "as_json", is_flag=True, help="Print the saved status as JSON.")
def set_command(
    spec: str,
    org_slug: str | None,
    status: str | None,
    decision: str | None,
    alternative: str | None,
    rationale: str | None,
    na_reason: str | None,
    description: str | None,
    owner: str | None,
    as_json: bool,
) -> None:
    """Record the status of SPEC (and its decision, rationale, owner ...)."""
    from phiward.core.errors import InputProblems, InvalidInput, NotFound, Problem
    from phiward.core.members import member_of
    from phiward.safeguards import services

    organization = resolve_org(org_slug)
    changes: dict[str, object] = {
        name: value
        for name, value in (
            ("status", status),
            ("decision", decision),
            ("alternative", alternative),
            ("rationale", rationale),
            ("na_reason", na_reason),
            ("description", description),
        )
        if value is not None
    }
    if owner is not None:
        try:
            changes["owner"] = member_of(organization, owner).user
        except NotFound as exc:
            raise InputProblems([Problem(str(exc), field="owner")]) from exc
    if not changes:
        raise InvalidInput("nothing to set: give --status, --decision, --rationale, ...")
    row = services.update(organization, spec, changes, by=None)
    shown = next(
        item.shown
        for item in services.posture_for(organization).items
        if item.entry.id == row.spec_id
    )
    if as_json:
        emit_json(
            {
                "spec_id": row.spec_id,
                "status": row.status,
                "shown": str(shown),
                "decision": row.decision or None,
                "na_pending": row.na_pending,
            }
        )
        return
    click.echo(f"{organization.slug}: {row.spec_id} is now {shown.label.lower()}")


@safeguards.command("posture")
@org_option
@click.option("--nprm", is_flag=True, help="Add what the 2025 proposed rule would require.")
@click.option("--json", "as_json", is_flag=True, help="Print the posture as JSON.")
def posture_command(org_slug: str | None, nprm: bool, as_json: bool) -> None:
    """Scores per safeguard family and overall, and the gaps."""
    from phiward.catalog import catalog
    from phiward.catalog.catalog import FrameworkId
    from phiward.safeguards import services
    from phiward.safeguards.nprm import lens, lens_json
    from phiward.safeguards.posture import Tally, posture_json

    current = services.posture_for(resolve_org(org_slug))
    view = lens(catalog.load(FrameworkId.NPRM_2025), current) if nprm else None
    if as_json:
        emit_json({**posture_json(current), "nprm": lens_json(view) if view else None})
        return

    def line(label: str, t: Tally) -> str:
        score = "—" if t.percent is None else f"{t.percent}%"
        return (
            f"{label:<50} {score:>5}  implemented {t.implemented}, partial {t.partial}, "
            f"planned {t.planned}, not implemented {t.not_implemented}, n/a {t.not_applicable}"
        )

    for family in current.families:
        click.echo(line(family.family.label, family.tallies.overall))
    click.echo(line("Overall", current.tallies.overall))
    click.echo(line("  required", current.tallies.required))
    click.echo(line("  addressable", current.tallies.addressable))
    click.echo(f"\nGaps ({len(current.gaps)}):")
    for item in current.gaps:
        risks = ", ".join(risk.reference for risk in item.facts.risks)
        click.echo(
            f"  {item.entry.id:<22} {item.shown.label:<36} {item.entry.title}"
            + (f"  [{risks}]" if risks else "")
        )
    if view is None:
        return
    click.echo(f"\n{view.framework.title} — PROPOSED, NOT FINAL (as of {view.framework.as_of})")
    click.echo(
        f"Addressable specifications that would become required ({len(view.becomes_required)}):"
    )
    for b in view.becomes_required:
        click.echo(f"  {b.item.entry.id:<22} {b.item.entry.title}: {b.reason}")
    click.echo(f"New or more specific requirements ({len(view.proposals)}):")
    for check in view.proposals:
        click.echo(f"  {check.proposal.title}: {check.verdict}")


COMMANDS = [safeguards]
