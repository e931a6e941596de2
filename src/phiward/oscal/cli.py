"""``phiward oscal``: export OSCAL documents, import catalogs and profiles as frameworks."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from phiward.catalog.catalog import FrameworkId
from phiward.console import emit_json
from phiward.inventory.cli import org_option, resolve_org

FRAMEWORK_CHOICE = click.Choice([str(framework_id) for framework_id in FrameworkId])
DOCUMENTS = ("catalog", "profile", "ssp", "assessment-results")


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` whole or not at all (temp file, fsync, rename)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    directory = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@click.group(name="oscal")
def oscal_group() -> None:
    """OSCAL 1.1 catalogs, profiles, system security plans and assessment results."""


@oscal_group.command("export")
@click.argument("document", type=click.Choice(DOCUMENTS))
@click.option(
    "--framework",
    type=FRAMEWORK_CHOICE,
    default=str(FrameworkId.HIPAA_SECURITY),
    show_default=True,
    help="The catalog (or the profile's catalog).",
)
@org_option
@click.option(
    "--out",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to PATH (default: print).",
)
def export_command(
    document: str, framework: str, org_slug: str | None, output: Path | None
) -> None:
    """Export DOCUMENT as OSCAL JSON: catalog, profile, ssp or assessment-results."""
    from phiward.oscal import documents, service

    if document == "catalog":
        built = service.export_catalog(framework)
    elif document == "profile":
        built = service.export_profile(framework)
    else:
        from phiward.oscal import system

        organization = resolve_org(org_slug)
        if document == "ssp":
            built = system.export_ssp(organization)
        else:
            built = system.export_assessment_results(organization)
    text = documents.dumps(built)
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output, text)
    click.echo(f"wrote {output} ({len(text.encode()):,} bytes)", err=True)


@oscal_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "slug", default=None, help="The framework's id (default: from its title).")
@click.option("--replace", is_flag=True, help="Replace an imported framework with the same id.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_command(file: Path, slug: str | None, replace: bool, as_json: bool) -> None:
    """Import an OSCAL catalog or profile (JSON or YAML) as an additional framework."""
    from phiward.core.errors import InputProblems, Problem
    from phiward.oscal import service

    if file.stat().st_size > service.MAX_IMPORT_BYTES:
        raise InputProblems([Problem("the file is too large", file=file.name)])
    framework = service.import_framework(file.read_bytes(), file.name, slug=slug, replace=replace)
    summary = {
        "id": framework.slug,
        "kind": framework.kind,
        "title": framework.title,
        "controls": framework.controls.count(),
        "sha256": framework.source_sha256,
    }
    if as_json:
        emit_json(summary)
        return
    click.echo(
        f"imported {framework.kind} '{framework.slug}': {framework.title} "
        f"({summary['controls']} controls)"
    )


@oscal_group.command("frameworks")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def frameworks_command(as_json: bool) -> None:
    """List the frameworks imported from OSCAL."""
    from django.db.models import Count

    from phiward.oscal.models import ImportedFramework

    rows = [
        {
            "id": f.slug,
            "kind": f.kind,
            "title": f.title,
            "version": f.version,
            "controls": f.control_count,
            "imported_at": f.imported_at.isoformat(),
            "sha256": f.source_sha256,
        }
        for f in ImportedFramework.objects.annotate(control_count=Count("controls"))
    ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("no imported frameworks; import one with 'phiward oscal import FILE'")
    for row in rows:
        click.echo(f"{row['id']:<30} {row['kind']:<8} {row['controls']:>5}  {row['title']}")


@oscal_group.command("show")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show_command(slug: str, as_json: bool) -> None:
    """The controls of an imported framework."""
    from phiward.oscal import service

    framework = service.imported(slug)
    controls = [
        {
            "id": c.control_id,
            "label": c.label,
            "title": c.title,
            "group": c.group,
            "parent": c.parent_id or None,
            "statement": c.statement,
        }
        for c in framework.controls.all()
    ]
    if as_json:
        emit_json({"id": framework.slug, "title": framework.title, "controls": controls})
        return
    click.echo(f"{framework.title} ({framework.kind}, {len(controls)} controls)")
    for control in controls:
        indent = "  " if control["parent"] else ""
        click.echo(f"{indent}{control['label'] or control['id']}  {control['title']}")


@oscal_group.command("remove")
@click.argument("slug")
def remove_command(slug: str) -> None:
    """Remove an imported framework."""
    from phiward.oscal import service

    service.remove(slug)
    click.echo(f"removed '{slug}'")


COMMANDS = [oscal_group]
