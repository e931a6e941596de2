"""``phiward evidence``: add, list, verify and get evidence; remove orphaned files.

``add`` takes a FILE or ``--url``; ``list`` and ``verify`` print a table or, with ``--json``,
JSON. ``verify`` re-hashes every file and record and exits 7 when any does not match what was
recorded (tamper detection). ``get`` writes an item's content to ``--out`` only after checking
it against its SHA-256. Without ``--org``, the only organization on the install is used.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import click

from phiward.console import emit_json, progress
from phiward.inventory.cli import org_option, resolve_org

if TYPE_CHECKING:
    from phiward.core.models import Organization
    from phiward.inventory.models import Asset
    from phiward.risk.models import Risk

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def _risks(org: Organization, refs: tuple[str, ...]) -> tuple[Risk, ...]:
    """Risks by their R-number (``R-001``, ``R7``)."""
    from phiward.core.errors import InputProblems, Problem
    from phiward.risk.models import Risk

    found, problems = [], []
    for ref in refs:
        digits = ref.strip().upper().removeprefix("R").lstrip("-")
        risk = (
            Risk.objects.for_org(org).filter(number=int(digits)).first()
            if digits.isdecimal() and len(digits) < 10
            else None
        )
        if risk is None:
            problems.append(Problem(f"no risk {ref} in {org.slug}", field="--risk"))
        else:
            found.append(risk)
    if problems:
        raise InputProblems(problems)
    return tuple(found)


def _assets(org: Organization, refs: tuple[str, ...]) -> tuple[Asset, ...]:
    """Assets by name, or by id when no asset has that name."""
    from phiward.core.errors import InputProblems, Problem
    from phiward.inventory.models import Asset

    found, problems = [], []
    for ref in refs:
        assets = Asset.objects.for_org(org)
        asset = assets.filter(name=ref).first()
        if asset is None and ref.isdecimal() and len(ref) < 19:
            asset = assets.filter(pk=int(ref)).first()
        if asset is None:
            problems.append(Problem(f"no asset '{ref}' in {org.slug}", field="--asset"))
        else:
            found.append(asset)
    if problems:
        raise InputProblems(problems)
    return tuple(found)


@click.group()
def evidence() -> None:
    """The evidence library: files, links and records with hashes, dates and retention."""


@evidence.command("add")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@org_option
@click.option("--url", default=None, help="Add a link instead of a file.")
@click.option("--title", required=True, help="What the evidence is.")
@click.option("--description", default="", help="More about it.")
@click.option("--spec", "specs", multiple=True, metavar="ID", help="Security Rule citation.")
@click.option("--risk", "risk_refs", multiple=True, metavar="R-NNN", help="A risk it documents.")
@click.option("--asset", "asset_refs", multiple=True, metavar="NAME", help="An asset it is about.")
@click.option("--effective", type=DATE, default=None, help="In effect from (default today).")
@click.option("--expires", type=DATE, default=None, help="No longer valid after.")
@click.option("--reviewer", default=None, metavar="USERNAME", help="A member who reviewed it.")
@click.option("--reviewed", type=DATE, default=None, help="When it was reviewed.")
@click.option("--json", "as_json", is_flag=True, help="Print the new item as JSON.")
def add_command(
    file: Path | None,
    org_slug: str | None,
    url: str | None,
    title: str,
    description: str,
    specs: tuple[str, ...],
    risk_refs: tuple[str, ...],
    asset_refs: tuple[str, ...],
    effective: dt.datetime | None,
    expires: dt.datetime | None,
    reviewer: str | None,
    reviewed: dt.datetime | None,
    as_json: bool,
) -> None:
    """Add FILE (encrypted at rest) or a link (--url) as evidence."""
    from django.contrib.auth.models import User

    from phiward.core.errors import InvalidInput
    from phiward.evidence import library

    if (file is None) == (url is None):
        raise InvalidInput("give either FILE or --url")
    org = resolve_org(org_slug)
    person = None
    if reviewer:
        person = User.objects.filter(username=reviewer, memberships__organization=org).first()
        if person is None:
            raise InvalidInput(f"--reviewer: no member of {org.slug} is called '{reviewer}'")
    meta = library.Metadata(
        title=title,
        description=description,
        effective_on=_day(effective),
        expires_on=_day(expires),
        reviewer=person,
        reviewed_on=_day(reviewed),
    )
    links = library.Links(
        spec_ids=library.spec_ids(specs, "--spec"),
        risks=_risks(org, risk_refs),
        assets=_assets(org, asset_refs),
    )
    if file is not None:
        with file.open("rb") as source:
            item = library.add_file(
                org, source, name=file.name, media_type="", meta=meta, links=links, user=None
            )
    else:
        assert url is not None
        item = library.add_link(org, url, meta=meta, links=links, user=None)
    if as_json:
        emit_json(_row(item))
        return
    what = f"{item.size} bytes, SHA-256 {item.sha256}" if item.kind == "file" else item.url
    click.echo(f"added {item.reference} (id {item.pk}): {item.title} ({what})")


def _row(item: object) -> dict[str, object]:
    from phiward.evidence.models import EvidenceItem

    assert isinstance(item, EvidenceItem)
    return {
        "id": item.pk,
        "reference": item.reference,
        "title": item.title,
        "kind": item.kind,
        "url": item.url,
        "original_name": item.original_name,
        "size": item.size,
        "sha256": item.sha256,
        "effective_on": item.effective_on.isoformat(),
        "expires_on": item.expires_on.isoformat() if item.expires_on else None,
        "state": item.state().value,
        "retained_until": item.retained_until().isoformat(),
        "spec_ids": sorted(link.spec_id for link in item.spec_links.all()),
    }


@evidence.command("list")
@org_option
@click.option("--expired", is_flag=True, help="Only evidence past its expiry date.")
@click.option("--expiring", is_flag=True, help="Only current evidence expiring within 30 days.")
@click.option("--spec", default=None, metavar="ID", help="Only evidence for this citation.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(
    org_slug: str | None, expired: bool, expiring: bool, spec: str | None, as_json: bool
) -> None:
    """List an organization's evidence."""
    from django.utils import timezone

    from phiward.evidence import library
    from phiward.evidence.models import EvidenceItem, expiring_q, state_q
    from phiward.evidence.retention import State

    org = resolve_org(org_slug)
    today = timezone.localdate()
    items = EvidenceItem.objects.for_org(org).prefetch_related("spec_links").order_by("pk")
    if expired:
        items = items.filter(state_q(State.EXPIRED, today))
    if expiring:
        items = items.filter(expiring_q(today))
    if spec:
        items = items.filter(spec_links__spec_id__in=library.spec_ids([spec], "--spec"))
    rows = [_row(item) for item in items.distinct()]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        expires = row["expires_on"] or "-"
        click.echo(
            f"{row['reference']:<7} {row['kind']:<6} {row['state']:<10} "
            f"{row['effective_on']} → {expires!s:<10}  {row['title']}"
        )
    click.echo(f"{len(rows)} items", err=True)


@evidence.command("verify")
@org_option
@click.option("--json", "as_json", is_flag=True, help="Print every item's result as JSON.")
def verify_command(org_slug: str | None, as_json: bool) -> None:
    """Re-hash every file and record and compare with the SHA-256 recorded when it was added.

    Exits 7 naming the first mismatch when any item does not match (tamper detection).
    """
    from phiward.evidence import library
    from phiward.evidence.models import EvidenceItem
    from phiward.evidence.storage import EvidenceFileError

    org = resolve_org(org_slug)
    items = EvidenceItem.objects.for_org(org).order_by("pk")
    walk = progress(items.iterator(chunk_size=200), label="verifying", length=items.count())
    checks = [library.check_item(item) for item in walk]
    result = library.Verification(checks)
    library.record_verification(org, result)
    if as_json:
        emit_json(
            {
                "organization": org.slug,
                "hashed": result.hashed,
                "failed": len(result.failures),
                "items": [
                    {
                        "id": c.item_id,
                        "title": c.title,
                        "kind": c.kind,
                        "ok": c.ok,
                        "problem": c.problem,
                    }
                    for c in checks
                ],
            }
        )
    else:
        for c in result.failures:
            click.echo(f"FAIL  E-{c.item_id:04d}  {c.problem}  {c.title}")
        click.echo(f"{result.hashed} items hashed, {len(result.failures)} do not match")
    if result.failures:
        first = result.failures[0]
        more = f" (and {len(result.failures) - 1} more)" if len(result.failures) > 1 else ""
        raise EvidenceFileError(
            f"evidence verification failed: item {first.item_id}: {first.problem}{more}"
        )


@evidence.command("get")
@click.argument("item_id", type=click.IntRange(1, 2**63 - 1))
@click.option(
    "--out",
    "-o",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the content.",
)
@org_option
def get_command(item_id: int, out: Path, org_slug: str | None) -> None:
    """Write an item's content to --out after checking its SHA-256 (audit-logged)."""
    from phiward.core.errors import InvalidInput, NotFound
    from phiward.evidence import library
    from phiward.evidence.models import EvidenceItem

    items = EvidenceItem.objects.all()
    if org_slug:
        items = EvidenceItem.objects.for_org(resolve_org(org_slug))
    item = items.filter(pk=item_id).first()
    if item is None:
        raise NotFound(f"no evidence item {item_id}" + (f" in {org_slug}" if org_slug else ""))
    if out.exists():
        raise InvalidInput(f"{out} exists; choose a new file name")
    partial = out.with_name(f".{out.name}.{secrets.token_hex(4)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as target:
            for block in library.content(item):  # raises before the end if it does not match
                target.write(block)
            target.flush()
            os.fsync(target.fileno())
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    library.record_download(item, "exported with phiward evidence get")
    click.echo(f"wrote {out} ({item.size} bytes, SHA-256 {item.sha256})", err=True)


@evidence.command("clean")
@click.option("--dry-run", is_flag=True, help="Only list the files that would be removed.")
@click.option("--json", "as_json", is_flag=True, help="Print the files as JSON.")
def clean_command(dry_run: bool, as_json: bool) -> None:
    """Remove evidence files no item refers to (left by a crash or a rolled-back upload).

    Files younger than an hour are left alone: they may belong to an upload still saving.
    """
    from phiward.evidence import library

    files = library.orphans() if dry_run else library.remove_orphans()
    if as_json:
        emit_json({"removed": [] if dry_run else files, "found": files})
        return
    for name in files:
        click.echo(name)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {len(files)} files", err=True)


COMMANDS = [evidence]
