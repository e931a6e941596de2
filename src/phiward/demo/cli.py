"""``phiward demo``: load the demo clinic and print how to log in."""

from __future__ import annotations

import click

from phiward.console import emit_json

LOGIN_URL = "http://127.0.0.1:8000/"


@click.command()
@click.option("--reset", is_flag=True, help="Delete the demo organization and build it again.")
@click.option(
    "--size",
    type=click.IntRange(50, 100_000),
    default=None,
    help="Build a large network of about N assets (for benchmarks) instead of the clinic.",
)
@click.option("--seed", type=int, default=None, help="Random seed; same seed, same data.")
@click.option(
    "--slug", default=None, help="Organization slug [default: riverside, or riverside-N]."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def demo(reset: bool, size: int | None, seed: int | None, slug: str | None, as_json: bool) -> None:
    """Load the demo organization (idempotent) and print the demo accounts.

    Riverside Family Medicine is a 60-person practice on three sites with a full ePHI
    inventory, its officers and responsibility matrix, a few realistic gaps to find, and its
    security program: an approved risk analysis with treatments, safeguard statuses and
    evidence.
    """
    from phiward.demo.loader import DEFAULT_SEED, default_slug, load_demo

    result = load_demo(
        slug=slug or default_slug(size),
        seed=DEFAULT_SEED if seed is None else seed,
        size=size,
        reset=reset,
    )
    accounts = [
        {"username": a.username, "name": a.name, "role": a.role.value, "title": a.title}
        for a in result.accounts
    ]
    if as_json:
        emit_json(
            {
                "organization": {"slug": result.slug, "name": result.name},
                "created": result.created,
                "url": LOGIN_URL,
                "accounts": accounts,
                "password": result.password,
                "credentials_file": str(result.credentials_file or ""),
                "admin_is_owner": result.admin_is_owner,
                "counts": result.counts,
            }
        )
        return
    c = result.counts
    state = "loaded" if result.created else "already loaded (use --reset to rebuild it)"
    click.echo(f"Demo organization '{result.name}' ({result.slug}) {state}:")
    click.echo(
        f"  {c['assets']} assets, {c['zones']} zones, {c['vendors']} vendors, "
        f"{c['data_flows']} data flows"
    )
    if c["risks"]:
        click.echo(
            f"  security program: {c['risks']} risks in the approved risk analysis, "
            f"{c['safeguards']} safeguard statuses, {c['evidence']} evidence items"
        )
    if c["incidents"]:
        click.echo(
            f"  incident response: {c['incidents']} incidents ({c['breaches']} reportable "
            f"breaches), {c['exercises']} IR exercises"
        )
    click.echo(f"\nOpen {LOGIN_URL} and log in with one of these accounts:")
    for a in result.accounts:
        click.echo(f"  {a.username:<16} {a.role.label:<18} {a.name}, {a.title}")
    where = f" (kept in {result.credentials_file})" if result.credentials_file else ""
    click.echo(f"Password for every demo account: {result.password}{where}")
    click.echo(
        "At the first login each account sets up two-factor authentication: scan the QR code "
        "with an authenticator app (or type the secret shown) and enter its 6-digit code."
    )
    if result.admin_is_owner:
        click.echo("The 'admin' user is an owner of the demo organization too.")


COMMANDS = [demo]
