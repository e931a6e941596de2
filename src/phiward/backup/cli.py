"""``phiward backup`` and ``phiward restore``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from phiward.console import emit_json


def _context() -> tuple[object, Path, object]:
    from django.conf import settings

    from phiward.backup import checks  # noqa: F401 - registers the phiward-specific checks
    from phiward.backup.keysource import InstallKey
    from phiward.backup.snapshot import Database

    return (
        Database.from_settings(settings.DATABASES["default"]),
        Path(settings.DATA_DIR),
        InstallKey(),
    )


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Backup file (default: <data dir>/backups/phiward-<time>.pwbak).",
)
@click.option("--json", "as_json", is_flag=True)
def backup_command(output: Path | None, as_json: bool) -> None:
    """Write a consistent, encrypted backup with a manifest (keys are never inside)."""
    from phiward.backup import service
    from phiward.backup.snapshot import Database, SnapshotError

    database, data_dir, key = _context()
    assert isinstance(database, Database)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = output or data_dir / "backups" / f"phiward-{stamp}.pwbak"
    try:
        result = service.backup(database, data_dir, target, key)  # type: ignore[arg-type]
    except (service.BackupError, SnapshotError) as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(t.rows for t in result.manifest.tables)
    summary = {
        "backup": str(result.path),
        "engine": result.manifest.engine,
        "tables": len(result.manifest.tables),
        "rows": rows,
        "files": len(result.manifest.files),
        "audit": result.manifest.audit,
        "seconds": round(result.seconds, 3),
    }
    if as_json:
        emit_json(summary)
        return
    click.echo(
        f"backup written: {result.path} ({len(result.manifest.tables)} tables, {rows} rows, "
        f"{len(result.manifest.files)} files, {result.seconds:.1f} s)"
    )


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--verify",
    "mode",
    flag_value="verify",
    default=True,
    help="Restore into a scratch location and check it (the default).",
)
@click.option(
    "--into",
    "mode",
    flag_value="into",
    help="Restore for real: replace the database and document folders.",
)
@click.option("--yes", is_flag=True, help="With --into: do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True)
def restore_command(backup_file: Path, mode: str, yes: bool, as_json: bool) -> None:
    """Verify a backup (restore into scratch, check manifest, audit root, encrypted sample)."""
    from phiward.backup import service
    from phiward.backup.snapshot import Database

    database, data_dir, key = _context()
    assert isinstance(database, Database)
    if mode == "into":
        if not yes:
            click.confirm(f"Replace the live data with {backup_file.name}?", abort=True)
        try:
            kept = service.restore_into(backup_file, database, data_dir, key)  # type: ignore[arg-type]
        except service.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        message = f"restored {backup_file.name}" + (
            f"; the previous database is {kept}" if kept else ""
        )
        if as_json:
            emit_json({"restored": str(backup_file), "previous": str(kept or "")})
        else:
            click.echo(message)
        return
    report = service.verify(backup_file, database, key)  # type: ignore[arg-type]
    if as_json:
        emit_json(report.as_dict())
    else:
        for name, ok, detail in report.steps:
            click.echo(f"{'PASS' if ok else 'FAIL'}  {name:<12} {detail}")
        click.echo(f"restore time: {report.seconds:.2f} s")
    if not report.ok:
        failed = next(f"{name}: {detail}" for name, ok, detail in report.steps if not ok)
        raise click.ClickException(f"backup did not verify ({failed})")


COMMANDS = [backup_command, restore_command]
