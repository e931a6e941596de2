"""``phiward inventory``: export, import and list an organization's ePHI inventory.

``export`` writes YAML or JSON to stdout unless ``--output`` names a file; CSV is a ZIP
archive, so it goes to ``--output`` or to a stdout that is not a terminal (a pipe or a file).
``import`` takes a ``.yaml``/``.yml``/``.json`` file, a ``.zip`` of CSV tables, one table's
``.csv`` or a directory of table files; problems print as one line, or all of them as JSON
with ``--json``. Without ``--org``, the only organization on the install is used.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from phiward.console import emit_json, step_bar
from phiward.inventory.transfer.document import ASSET_KINDS

if TYPE_CHECKING:
    from phiward.core.models import Organization

FORMATS = ("yaml", "json", "csv")

org_option = click.option(
    "--org",
    "org_slug",
    default=None,
    metavar="SLUG",
    help="The organization (optional when the install has only one).",
)


def resolve_org(slug: str | None) -> Organization:
    """The organization named by ``--org``, or the only one there is."""
    from phiward.core.errors import InvalidInput, NotFound
    from phiward.core.models import Organization

    if slug:
        found = Organization.objects.filter(slug=slug).first()
        if found is None:
            raise NotFound(f"no organization '{slug}'; {_choices()}")
        return found
    organizations = list(Organization.objects.order_by("slug")[:2])
    if len(organizations) == 1:
        return organizations[0]
    if not organizations:
        raise NotFound("no organizations yet; create one with 'phiward org create'")
    raise InvalidInput(f"--org is required; {_choices()}")


def _choices() -> str:
    from phiward.core.models import Organization

    slugs = list(Organization.objects.order_by("slug").values_list("slug", flat=True)[:20])
    return f"organizations: {', '.join(slugs)}" if slugs else "there are no organizations"


@click.group()
def inventory() -> None:
    """The ePHI inventory: zones, vendors, assets and data flows."""


@inventory.command("export")
@org_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="yaml (default), json, or csv (a ZIP of four tables); else told by --output.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write; default stdout.",
)
def export_command(org_slug: str | None, fmt: str | None, output: Path | None) -> None:
    """Export the whole inventory of an organization."""
    from phiward.core.errors import InvalidInput
    from phiward.inventory.transfer.formats import Format, detect
    from phiward.inventory.transfer.service import export_inventory

    chosen = Format(fmt) if fmt else detect(output.name) if output else Format.YAML
    if chosen == Format.CSV and output is not None and output.suffix.lower() != ".zip":
        raise InvalidInput("a CSV export is a ZIP archive of four tables; name the output .zip")
    organization = resolve_org(org_slug)
    content = export_inventory(organization, chosen)
    if output is not None:
        output.write_bytes(content)
        click.echo(f"wrote {output} ({len(content)} bytes)", err=True)
        return
    if chosen == Format.CSV and sys.stdout.isatty():
        raise InvalidInput("a CSV export is a ZIP archive; give --output FILE or redirect stdout")
    sys.stdout.flush()
    sys.stdout.buffer.write(content)
    sys.stdout.buffer.flush()


@inventory.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@org_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Default: told by the file extension (.yaml, .yml, .json, .zip, .csv).",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Also delete what the input's tables do not name (default: only add and update).",
)
@click.option("--dry-run", is_flag=True, help="Check and count, but save nothing.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the summary, or every problem, as JSON."
)
def import_command(
    file: Path, org_slug: str | None, fmt: str | None, replace: bool, dry_run: bool, as_json: bool
) -> None:
    """Import FILE (or a directory of CSV tables) into an organization, all or nothing."""
    from phiward.core.errors import InputProblems, InvalidInput
    from phiward.inventory.transfer.document import MAX_INPUT_BYTES, too_large
    from phiward.inventory.transfer.service import (
        IMPORT_STEPS,
        import_directory,
        import_inventory,
    )

    organization = resolve_org(org_slug)
    try:
        with step_bar(IMPORT_STEPS, label=f"Importing {file.name}") as on_step:
            if file.is_dir():
                if fmt not in (None, "csv"):
                    raise InvalidInput(
                        "a directory holds CSV tables; leave out --format or say csv"
                    )
                summary = import_directory(
                    organization, file, replace=replace, dry_run=dry_run, on_step=on_step
                )
            else:
                if file.stat().st_size > MAX_INPUT_BYTES:
                    raise InputProblems([too_large(file.name)])
                summary = import_inventory(
                    organization,
                    file.read_bytes(),
                    filename=file.name,
                    fmt=fmt,
                    replace=replace,
                    dry_run=dry_run,
                    on_step=on_step,
                )
    except InputProblems as problems:
        if not as_json:
            raise
        emit_json(
            {
                "ok": False,
                "problems": [
                    {"file": p.file, "row": p.row, "field": p.field, "message": p.message}
                    for p in problems.problems
                ],
            }
        )
        sys.stdout.flush()
        # Not click's Exit: with standalone_mode off, click returns its code instead.
        sys.exit(problems.exit_code)
    if as_json:
        emit_json({"ok": True, "organization": organization.slug, **summary.as_dict()})
        return
    click.echo(f"{organization.slug}: {summary.describe()}")


@inventory.command("list")
@org_option
@click.option("--kind", type=click.Choice(ASSET_KINDS), default=None, help="Only assets of KIND.")
@click.option("--json", "as_json", is_flag=True, help="Print the assets as JSON.")
def list_command(org_slug: str | None, kind: str | None, as_json: bool) -> None:
    """List the assets of an organization."""
    from phiward.inventory.models import Asset

    organization = resolve_org(org_slug)
    assets = Asset.objects.for_org(organization).select_related("zone", "vendor").order_by("name")
    if kind:
        assets = assets.filter(kind=kind)
    rows = [
        {
            "name": a.name,
            "kind": a.kind,
            "zone": a.zone.name if a.zone else None,
            "vendor": a.vendor.name if a.vendor else None,
            "handles_ephi": a.handles_ephi,
            "criticality": a.criticality,
            "lifecycle": a.lifecycle,
        }
        for a in assets
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        ephi = "ePHI" if row["handles_ephi"] else "-"
        click.echo(
            f"{row['name']:<40} {row['kind']:<20} {ephi:<5} {row['criticality']:<9} "
            f"{row['zone'] or '-'}"
        )


COMMANDS = [inventory]
