"""``phiward worker`` and ``phiward jobs``: scheduled work.

``phiward serve`` starts a worker beside the web server; run ``phiward worker`` yourself when
serving with ``--no-worker`` or on other hosts (any number of workers share one database and
never run the same job at once), or ``phiward worker --once`` from cron.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from phiward.console import emit_json
from phiward.core.errors import PhiwardError

if TYPE_CHECKING:
    from phiward.jobs.runner import RunOutcome


class JobsFailed(PhiwardError):
    exit_code = 1


def _when(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _outcome_json(outcome: RunOutcome) -> dict[str, object]:
    return {
        "name": outcome.name,
        "ok": outcome.ok,
        "result": outcome.text if outcome.ok else None,
        "error": None if outcome.ok else outcome.text,
        "started_at": outcome.started_at.isoformat(),
        "seconds": round(outcome.seconds, 3),
    }


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs that are due, then exit (for cron).")
@click.option("--json", "as_json", is_flag=True, help="With --once: print the runs as JSON.")
def worker(once: bool, as_json: bool) -> None:
    """Run scheduled jobs: forever (stop with SIGTERM or Ctrl-C), or with --once what is due."""
    from phiward.jobs.registry import default_registry
    from phiward.jobs.runner import check_intervals
    from phiward.jobs.worker import Worker

    registry = default_registry()
    check_intervals(registry)
    scheduled = Worker(registry)
    scheduled.handle_signals()
    if not once:
        scheduled.run_forever()
        return
    outcomes = scheduled.run_once()
    if as_json:
        emit_json([_outcome_json(o) for o in outcomes])
    elif not outcomes:
        click.echo("no job is due")
    else:
        for outcome in outcomes:
            state = "ok" if outcome.ok else "failed"
            click.echo(f"{outcome.name}: {state}: {outcome.text}")
    failed = [o.name for o in outcomes if not o.ok]
    if failed:
        raise JobsFailed(f"{len(failed)} of {len(outcomes)} jobs failed: {', '.join(failed)}")


@click.group("jobs")
def jobs() -> None:
    """Scheduled jobs: their schedule and last runs; run one now."""


@jobs.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json: bool) -> None:
    """Each job, its interval, last run and outcome, and when it is due next."""
    from phiward.jobs.registry import default_registry
    from phiward.jobs.runner import status
    from phiward.jobs.schedule import describe_interval

    rows = status(default_registry())
    if as_json:
        emit_json(
            [
                {
                    "name": s.job.name,
                    "description": s.job.description,
                    "interval_seconds": int(s.interval.total_seconds()),
                    "enabled": s.interval > dt.timedelta(0),
                    "last_started_at": _when(s.last_started_at),
                    "last_finished_at": _when(s.last_finished_at),
                    "last_outcome": s.last_outcome or None,
                    "last_result": s.last_result or None,
                    "last_error": s.last_error or None,
                    "running_since": _when(s.running_since),
                    "running_on": s.running_on or None,
                    "next_due_at": _when(s.next_due_at),
                }
                for s in rows
            ]
        )
        return
    for s in rows:
        every = describe_interval(s.interval)
        if s.running_since is not None:
            last = f"running on {s.running_on} since {s.running_since:%Y-%m-%d %H:%M}"
        elif s.last_started_at is None:
            last = "never run"
        elif s.last_outcome == "failed":
            last = f"failed {s.last_started_at:%Y-%m-%d %H:%M}: {s.last_error}"
        else:
            last = f"ok {s.last_started_at:%Y-%m-%d %H:%M}: {s.last_result}"
        due = f"next {s.next_due_at:%Y-%m-%d %H:%M}" if s.next_due_at else "off"
        click.echo(f"{s.job.name:<20} every {every:<5} {due:<22} {last}")


@jobs.command("run")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def run_command(name: str, as_json: bool) -> None:
    """Run job NAME now, due or not (refused while a worker is running it)."""
    from phiward.audit.context import current_actor
    from phiward.jobs.registry import default_registry
    from phiward.jobs.runner import run_now

    outcome = run_now(default_registry(), name, actor=current_actor())
    if as_json:
        emit_json(_outcome_json(outcome))
    elif outcome.ok:
        click.echo(f"{outcome.name}: {outcome.text}")
    if not outcome.ok:
        raise JobsFailed(f"job {outcome.name} failed: {outcome.text}")


COMMANDS = [worker, jobs]
