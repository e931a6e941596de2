"""The ``phiward`` command.

Each app contributes its command group from its own ``cli`` module (listed in
``COMMAND_MODULES``). Errors print one line, ``phiward: error: ...``, and exit non-zero.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from phiward import __version__

COMMAND_MODULES = (
    "phiward.core.cli",
    "phiward.catalog.cli",
    "phiward.inventory.cli",
    "phiward.risk.cli",
    "phiward.demo.cli",
    "phiward.audit.cli",
    "phiward.accounts.cli",
    "phiward.crypto.cli",
    "phiward.tokens.cli",
    "phiward.backup.cli",
    "phiward.jobs.cli",
    "phiward.safeguards.cli",
    "phiward.evidence.cli",
    "phiward.oscal.cli",
    "phiward.reports.cli",
    "phiward.calendar.cli",
    "phiward.exercises.cli",
    "phiward.breach.cli",
    "phiward.incidents.cli",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="phiward")
def cli() -> None:
    """Run a healthcare organization's HIPAA security program and prove that it works."""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phiward.config.settings")
    import django
    from django.apps import apps

    # Once per process: a second setup would re-create the log handlers on whatever stream is
    # sys.stderr at that moment (in tests, a capture that is closed afterwards).
    if not apps.ready:
        django.setup()


def _register_commands() -> None:
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        for command in module.COMMANDS:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    from django.db import DatabaseError

    from phiward.core.errors import PhiwardError

    # Everything phiward writes (database, keys, exports) is readable by its owner only.
    os.umask(0o077)
    try:
        _setup_django()
        from phiward.audit.context import use_cli_actor

        use_cli_actor()  # what this process records is attributed to the CLI
        _register_commands()
        status = cli.main(args=argv, prog_name="phiward", standalone_mode=False)
        if isinstance(status, int) and status != 0:
            sys.exit(status)
    except PhiwardError as exc:
        click.echo(f"phiward: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("phiward: aborted", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"phiward: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        click.echo(
            f"phiward: error: database problem ({first_line}); has 'phiward init' been run?",
            err=True,
        )
        sys.exit(5)
    except OSError as exc:
        click.echo(
            f"phiward: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(), err=True
        )
        sys.exit(6)


if __name__ == "__main__":
    main()
