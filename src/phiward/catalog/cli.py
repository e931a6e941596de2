"""``phiward catalog``: list, search and show the HIPAA catalog from the command line."""

from __future__ import annotations

import textwrap

import click

from phiward.catalog import catalog
from phiward.catalog.catalog import CatalogEntry, Family, Framework, FrameworkId, Requirement
from phiward.console import emit_json

FRAMEWORK_CHOICE = click.Choice([str(framework_id) for framework_id in FrameworkId])
WIDTH = 100


def entry_row(framework: Framework, item: CatalogEntry) -> dict[str, object]:
    """The short form of an entry, as ``list --json`` prints it."""
    return {
        "framework": str(framework.id),
        "id": item.id,
        "key": item.key,
        "citation": item.citation,
        "title": item.title,
        "kind": str(item.kind),
        "family": str(item.family) if item.family else None,
        "requirement": str(item.requirement) if item.requirement else None,
        "ra": item.requirement.letter if item.requirement else None,
        "in_appendix_a": item.in_appendix_a,
        "parent": item.parent,
    }


def entry_detail(framework: Framework, item: CatalogEntry) -> dict[str, object]:
    """The full form of an entry, as ``show --json`` prints it."""
    return {
        **entry_row(framework, item),
        "framework_status": str(framework.status),
        "cfr_paragraph": item.cfr_paragraph,
        "title_is_editorial": item.title_is_editorial,
        "text": item.text,
        "summary": item.summary,
        "elements": [{"citation": e.citation, "text": e.text} for e in item.elements],
        "notes": list(item.notes),
        "facts": [{"label": f.label, "value": f.value} for f in item.facts],
        "source": item.source,
        "from_secondary_summaries": item.from_secondary_summaries,
        "nist_ids": list(item.nist_ids),
        "children": [child.id for child in framework.children_of(item)],
        "quirks": [
            {"id": q.id, "source": q.source, "source_citation": q.source_citation, "note": q.note}
            for q in framework.quirks_for(item)
        ],
        "key_activities": [
            {
                "id": ka.id,
                "title": ka.title,
                "addresses": list(ka.addresses),
                "descriptions": [{"text": b.text, "items": list(b.items)} for b in ka.descriptions],
                "sample_questions": [
                    {"text": q.text, "items": list(q.items)} for q in ka.sample_questions
                ],
                "footnotes": list(ka.footnotes),
            }
            for ka in framework.key_activities_for(item)
        ],
        "crosswalks": [
            {"scheme": str(c.scheme), "reference": c.reference, "url": c.url}
            for c in item.crosswalks
        ],
    }


@click.group(name="catalog")
def catalog_group() -> None:
    """The HIPAA Security Rule, Breach Notification Rule and 2025 proposed rule."""


@catalog_group.command("frameworks")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def frameworks_command(as_json: bool) -> None:
    """List the catalog's frameworks."""
    rows = [
        {
            "id": str(fw.id),
            "title": fw.title,
            "status": str(fw.status),
            "citation": fw.citation,
            "entries": len(fw.entries),
            "as_of": fw.as_of,
        }
        for fw in catalog.frameworks()
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:<16} {row['status']:<9} {row['entries']:>4}  {row['title']}")


@catalog_group.command("list")
@click.option("--framework", "framework_id", type=FRAMEWORK_CHOICE, default="hipaa-security")
@click.option("--family", type=click.Choice([str(f) for f in Family]), help="Safeguard family.")
@click.option("--required", "requirement", flag_value="required", help="Required only.")
@click.option("--addressable", "requirement", flag_value="addressable", help="Addressable only.")
@click.option("--search", "-q", "query", default="", help="Words every entry must contain.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(
    framework_id: str, family: str | None, requirement: str | None, query: str, as_json: bool
) -> None:
    """List catalog entries, optionally filtered."""
    framework = catalog.load(framework_id)
    found = catalog.search(
        framework,
        query=query,
        family=Family(family) if family else None,
        requirement=Requirement(requirement) if requirement else None,
    )
    if as_json:
        emit_json([entry_row(framework, item) for item in found])
        return
    if framework.is_proposed:
        click.echo(f"{framework.title}: PROPOSED, NOT FINAL")
    if framework.has_requirements:
        click.echo(f"{'ID':<22} {'R/A':<4} {'FAMILY':<15} TITLE")
    else:
        click.echo(f"{'ID':<42} TITLE")
    for item in found:
        indent = "  " if item.parent else ""
        if framework.has_requirements:
            letter = item.requirement.letter if item.requirement else "-"
            family_name = str(item.family) if item.family else "-"
            click.echo(f"{indent + item.id:<22} {letter:<4} {family_name:<15} {item.title}")
        else:
            click.echo(f"{indent + item.id:<42} {item.title}")
    click.echo(f"{len(found)} of {len(framework.entries)} entries", err=True)


def _wrapped(text: str, indent: str = "  ", marker: str = "") -> str:
    """``text`` filled to WIDTH under ``indent``; ``marker`` starts its first line."""
    return "\n".join(
        textwrap.fill(
            line,
            WIDTH,
            initial_indent=indent + (marker if number == 0 else " " * len(marker)),
            subsequent_indent=indent + " " * len(marker),
        )
        for number, line in enumerate(text.splitlines())
    )


def _echo_entry(framework: Framework, item: CatalogEntry) -> None:
    badge = f" [{item.requirement.label}]" if item.requirement else ""
    click.echo(f"{item.citation or item.id}  {item.title}{badge}")
    click.echo(f"{framework.title} · {item.kind.label}" + (" · PROPOSED" * framework.is_proposed))
    if item.family:
        click.echo(f"Family: {item.family.label}")
    parent = framework.parent_of(item)
    if parent:
        click.echo(f"Part of: {parent.id} {parent.title}")
    if item.summary:
        click.echo(f"\nSummary:\n{_wrapped(item.summary)}")
    if item.text:
        click.echo(f"\nRegulation text:\n{_wrapped(item.text)}")
    for element in item.elements:
        click.echo(_wrapped(f"{element.citation}: {element.text}"))
    for fact in item.facts:
        click.echo(f"{fact.label}: {fact.value}")
    if item.source:
        click.echo(f"Source: {item.source}")
    for note in item.notes:
        click.echo(_wrapped(f"Note: {note}", ""))
    for quirk in framework.quirks_for(item):
        click.echo(_wrapped(f"Known quirk ({quirk.source}): {quirk.note}", ""))
    if item.nist_ids and item.nist_ids != (item.id,):
        click.echo(f"NIST SP 800-66r2 cites it as: {', '.join(item.nist_ids)}")
    children = framework.children_of(item)
    if children:
        click.echo("\nContains:")
        for child in children:
            letter = f" ({child.requirement.letter})" if child.requirement else ""
            click.echo(f"  {child.id}  {child.title}{letter}")
    activities = framework.key_activities_for(item)
    if activities:
        click.echo("\nKey activities (NIST SP 800-66r2):")
    for ka in activities:
        click.echo(f"  {ka.number}. {ka.title}")
        for bullet in ka.descriptions:
            click.echo(_wrapped(bullet.text, "     ", "- "))
            for sub in bullet.items:
                click.echo(_wrapped(sub, "       ", "- "))
        if ka.sample_questions:
            click.echo("     Sample questions:")
        for question in ka.sample_questions:
            click.echo(_wrapped(question.text, "     ", "? "))
            for sub in question.items:
                click.echo(_wrapped(sub, "       ", "- "))
    if item.crosswalks:
        click.echo("\nCrosswalk (NIST publications):")
        for crosswalk in item.crosswalks:
            click.echo(f"  {crosswalk.reference}  {crosswalk.url}")


@catalog_group.command("show")
@click.argument("entry_id")
@click.option("--framework", "framework_id", type=FRAMEWORK_CHOICE, default=None)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show_command(entry_id: str, framework_id: str | None, as_json: bool) -> None:
    """Show one entry by citation or key (e.g. 164.308(a)(1) or 164.308-a-1)."""
    if framework_id:
        framework = catalog.load(framework_id)
        item = catalog.entry(framework_id, entry_id)
    else:
        framework, item = catalog.find(entry_id)
    if as_json:
        emit_json(entry_detail(framework, item))
        return
    _echo_entry(framework, item)


COMMANDS = [catalog_group]
