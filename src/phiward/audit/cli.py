"""``phiward audit``: verify the log, sign checkpoints, print proofs, list entries.

``verify`` exits 0 when every entry, the log head and every checkpoint agree, and otherwise
prints one line naming the first problem (``phiward: error: audit log verification failed:
...``) and exits 7. Proofs print JSON an independent RFC 9162 verifier can check.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from phiward.console import emit_json

LOG_ACTIONS = (
    "create",
    "change",
    "delete",
    "login",
    "login_failed",
    "logout",
    "mfa_change",
    "permission_denied",
    "export",
    "download",
    "key_use",
    "admin",
)


@click.group()
def audit() -> None:
    """The tamper-evident audit log: verify it, sign checkpoints, prove entries."""


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint exported earlier (kept outside the database).",
)
@click.option("--json", "as_json", is_flag=True)
def verify_command(checkpoint_file: Path | None, as_json: bool) -> None:
    """Recompute every leaf and the tree; check the stored and external checkpoints."""
    from phiward.audit import store
    from phiward.audit.signing import CheckpointFormatError, parse_checkpoint
    from phiward.core.errors import InvalidInput

    external = None
    if checkpoint_file is not None:
        try:
            external = parse_checkpoint(checkpoint_file.read_text(encoding="utf-8"))
        except (CheckpointFormatError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{checkpoint_file}: {exc}") from exc
    verdict = store.verify(external, str(checkpoint_file or ""))
    if as_json:
        emit_json(
            {
                "ok": verdict.ok,
                "tree_size": verdict.tree_size,
                "root_hash": verdict.root.hex(),
                "checkpoints_checked": verdict.checkpoints_checked,
                "problems": [
                    {"kind": p.kind.value, "seq": p.seq, "message": p.message}
                    for p in verdict.problems
                ],
            }
        )
    elif verdict.ok:
        click.echo(
            f"audit log verified: {verdict.tree_size} entries, root {verdict.root.hex()}, "
            f"{verdict.checkpoints_checked} checkpoints"
        )
    store.raise_if_failed(verdict)


@audit.command("checkpoint")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the signed checkpoint here (default: print it).",
)
def checkpoint_command(output: Path | None) -> None:
    """Sign the current tree head, store it, and export it for safekeeping elsewhere."""
    from phiward.audit.ledger import write_checkpoint
    from phiward.core.setup import write_private_file

    signed = write_checkpoint()
    text = signed.export()
    if output is None:
        click.echo(text, nl=False)
    else:
        write_private_file(output, text)
        click.echo(f"checkpoint of {signed.tree_size} entries written to {output}", err=True)


@audit.command("new-signing-key")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True)
def new_signing_key_command(yes: bool, as_json: bool) -> None:
    """Replace the audit signing key with a new one, recorded in the log.

    For a key that is lost for good (no key backup holds it) or may have been stolen. The log
    records the old and new key; checkpoints of the old key keep verifying for the entries
    before the change. Take a new key backup afterwards ('phiward keys backup').
    """
    from phiward.audit.ledger import new_signing_key

    if not yes:
        click.confirm(
            "Replace the audit signing key? Restore a lost key with 'phiward keys restore' "
            "instead if a key backup holds it",
            abort=True,
            err=True,
        )
    change = new_signing_key()
    if as_json:
        emit_json(
            {
                "old_key_id": change.old_key_id,
                "new_key_id": change.new_key_id,
                "checkpoint": change.checkpoint.as_json(),
            }
        )
        return
    click.echo(
        f"audit signing key {change.old_key_id or '(none)'} replaced by {change.new_key_id}; "
        f"checkpoint of {change.checkpoint.tree_size} entries signed with the new key"
    )
    click.echo("take a new key backup now: phiward keys backup --output FILE", err=True)


@audit.command("proof")
@click.argument("entry", type=click.IntRange(min=0))
@click.option("--size", type=click.IntRange(min=1), help="Tree size (default: latest checkpoint).")
@click.option("--json", "as_json", is_flag=True, help="Accepted for symmetry; output is JSON.")
def proof_command(entry: int, size: int | None, as_json: bool) -> None:
    """An inclusion proof that ENTRY is in the tree of --size entries."""
    from phiward.audit import store

    tree_size = size if size is not None else store.default_size()
    proof, leaf, root, stored = store.inclusion(entry, tree_size)
    emit_json(
        {
            "algorithm": "RFC 9162 section 2.1.3 (SHA-256)",
            "leaf_index": proof.leaf_index,
            "tree_size": proof.tree_size,
            "leaf_hash": leaf.hex(),
            "leaf_data": stored.as_leaf().data().decode("utf-8"),
            "root_hash": root.hex(),
            "inclusion_path": [h.hex() for h in proof.path],
        }
    )


@audit.command("consistency")
@click.argument("old", type=click.IntRange(min=0))
@click.argument("new", type=click.IntRange(min=0))
@click.option("--json", "as_json", is_flag=True, help="Accepted for symmetry; output is JSON.")
def consistency_command(old: int, new: int, as_json: bool) -> None:
    """A consistency proof that the tree of OLD entries is a prefix of the tree of NEW."""
    from phiward.audit import store

    proof, first_root, second_root = store.consistency(old, new)
    emit_json(
        {
            "algorithm": "RFC 9162 section 2.1.4 (SHA-256)",
            "first_size": proof.first_size,
            "second_size": proof.second_size,
            "first_root_hash": first_root.hex(),
            "second_root_hash": second_root.hex(),
            "consistency_path": [h.hex() for h in proof.path],
        }
    )


def _moment(value: str | None, option: str) -> dt.datetime | None:
    from phiward.core.errors import InvalidInput

    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{option}: not an ISO date or time: {value}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@audit.command("log")
@click.option("--org", "org_slug", default=None, metavar="SLUG", help="Only this organization.")
@click.option("--user", default="", help="Only entries by this username.")
@click.option("--action", type=click.Choice(LOG_ACTIONS), default=None)
@click.option("--since", default=None, help="ISO date or time (UTC unless given).")
@click.option("--until", default=None, help="ISO date or time, exclusive.")
@click.option("--limit", type=click.IntRange(min=1), default=None)
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True)
def log_command(
    org_slug: str | None,
    user: str,
    action: str | None,
    since: str | None,
    until: str | None,
    limit: int | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List audit entries, newest first."""
    from phiward.audit import search
    from phiward.core.errors import NotFound
    from phiward.core.models import Organization

    organization_id = None
    if org_slug:
        found = Organization.objects.filter(slug=org_slug).first()
        if found is None:
            raise NotFound(f"no organization '{org_slug}'")
        organization_id = found.pk
    chosen = search.LogFilter(
        organization_id=organization_id,
        user=user,
        action=action or "",
        since=_moment(since, "--since"),
        until=_moment(until, "--until"),
    )
    batches = search.chunks(search.entries(chosen), limit=limit)  # streamed, chunk by chunk
    if as_csv or as_json:
        for piece in search.csv_chunks(batches) if as_csv else search.json_chunks(batches):
            sys.stdout.write(piece)
        return
    for batch in batches:
        for e in batch:
            who = e.actor or "-"
            click.echo(
                f"{e.seq:>7} {e.timestamp:%Y-%m-%d %H:%M:%S} {who:<16} {e.action:<17} "
                f"{e.object_type} {e.object_id} {e.summary}".rstrip()
            )


COMMANDS = [audit]
