"""``phiward keys``: status, rotate, retire, backup and restore of the field-encryption keys."""

from __future__ import annotations

from pathlib import Path

import click

from phiward.console import emit_json, progress
from phiward.core.errors import InvalidInput


def _passphrase(passphrase_file: Path | None, *, confirm: bool) -> str:
    if passphrase_file is not None:
        text = passphrase_file.read_text(encoding="utf-8").rstrip("\r\n")
        if not text:
            raise InvalidInput(f"{passphrase_file} is empty")
        return text
    value: str = click.prompt(
        "Backup passphrase", hide_input=True, confirmation_prompt=confirm, err=True
    )
    return value


@click.group()
def keys() -> None:
    """Field-encryption keys: status, rotation, retirement, backup and restore."""


@keys.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def status(as_json: bool) -> None:
    """Key versions, environment, provider and how many values each version encrypts."""
    from phiward.crypto.rotation import status as key_status

    result = key_status()
    if as_json:
        emit_json(
            {
                "provider": result.provider,
                "location": result.location,
                "environment": result.environment,
                "versions": [
                    {
                        "version": v.version,
                        "current": v.current,
                        "created_at": v.created_at.isoformat(),
                        "retired_at": v.retired_at.isoformat() if v.retired_at else None,
                        "fingerprint": v.fingerprint,
                        "ciphertexts": v.ciphertexts,
                    }
                    for v in result.versions
                ],
                "plaintext": result.plaintext,
                "columns": [
                    {
                        "column": c.column,
                        "by_version": {str(k): n for k, n in c.by_version.items()},
                        "plaintext": c.plaintext,
                        "unknown_version": c.unknown_version,
                    }
                    for c in result.columns
                ],
            }
        )
        return
    click.echo(f"provider: {result.provider} ({result.location})")
    click.echo(f"environment: {result.environment}")
    for v in result.versions:
        state = "current" if v.current else ("retired" if v.retired_at else "old")
        click.echo(
            f"  version {v.version:<3} {state:<8} created {v.created_at:%Y-%m-%d} "
            f"fingerprint {v.fingerprint:<16}  {v.ciphertexts} values"
        )
    if result.plaintext:
        click.echo(f"{result.plaintext} values are not encrypted yet: run 'phiward keys rotate'")


@keys.command()
@click.option(
    "--batch-size",
    type=click.IntRange(1, 10_000),
    default=200,
    show_default=True,
    help="Values re-encrypted per transaction.",
)
def rotate(batch_size: int) -> None:
    """Make a new key version current and re-encrypt every value under it.

    Interrupting is safe: each batch is its own transaction, and running the command again
    continues the unfinished rotation instead of starting another.
    """
    from phiward.crypto import rotation, service

    plan = rotation.start_rotation(service.now())
    verb = "rotating to new" if plan.added_version else "continuing rotation to"
    click.echo(f"{verb} key version {plan.version}: {plan.pending} values to re-encrypt", err=True)
    for _ in progress(
        rotation.reencrypt(plan.version, batch_size), label="re-encrypting", length=plan.pending
    ):
        pass
    left = rotation.finish_rotation(plan.version)
    if left:
        raise InvalidInput(f"{left} values were changed meanwhile; run 'phiward keys rotate' again")
    click.echo(f"key version {plan.version} is current; every encrypted value uses it")


@keys.command()
@click.argument("version", type=click.IntRange(1))
@click.option(
    "--force",
    is_flag=True,
    help="Retire even though backups in <data dir>/backups are sealed under the version.",
)
def retire(version: int, force: bool) -> None:
    """Destroy an old key version.

    Refused while any value still uses it, and while a backup in <data dir>/backups is sealed
    under it (unless --force: then only a key backup holding the version opens those backups).
    """
    from phiward.crypto import rotation, service

    stranded = rotation.retire(version, service.now(), force=force)
    for path in stranded:
        click.echo(
            f"warning: {path} is sealed under retired key version {version}; only a key "
            "backup made before this retirement can open it",
            err=True,
        )
    click.echo(f"key version {version} retired; its key material is destroyed")


@keys.command()
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option(
    "--passphrase-file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Read the passphrase from this file instead of asking.",
)
def backup(output: Path, passphrase_file: Path | None) -> None:
    """Write the key ring and the audit signing key, sealed with a passphrase, mode 0600.

    scrypt derives the AES-256-GCM key from the passphrase.
    """
    from phiward.crypto import keybackup, recovery, service
    from phiward.crypto.keys import write_private_file

    if output.exists():
        raise InvalidInput(f"{output} exists; choose a new file name")
    contents = recovery.backup_contents()
    data = keybackup.seal_backup(contents, _passphrase(passphrase_file, confirm=True))
    write_private_file(output, data.decode("utf-8"))
    also = " and the audit signing key" if contents.audit_signing_key else ""
    service.key_use(f"key ring ({len(contents.ring.versions)} versions){also} backed up")
    click.echo(f"key backup written to {output}; keep it and its passphrase apart from backups")


@keys.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--passphrase-file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Read the passphrase from this file instead of asking.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Replace keys in place that encrypted values, backups or checkpoints still use.",
)
def restore(file: Path, passphrase_file: Path | None, replace: bool) -> None:
    """Put the key ring and audit signing key of a key backup back in place.

    Keys in place are replaced without --replace only when nothing depends on them (a ring that
    has encrypted nothing, such as the one 'phiward init' makes on a new machine; a signing key
    that has signed no checkpoint).
    """
    from phiward.crypto import keybackup, recovery

    contents = keybackup.open_backup(file.read_bytes(), _passphrase(passphrase_file, confirm=False))
    restored = recovery.restore(contents, replace=replace)
    also = " and the audit signing key" if restored.signing_key else ""
    click.echo(f"key ring ({restored.versions} versions){also} restored to {restored.location}")


COMMANDS = [keys]
