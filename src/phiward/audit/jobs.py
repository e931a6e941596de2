"""The audit log's scheduled jobs (``phiward.jobs.registry``).

- ``audit-checkpoint`` (``PHIWARD_AUDIT_CHECKPOINT_INTERVAL``, default 1h): sign a checkpoint
  when the log grew since the latest one — with an entry recording it, covered by the
  checkpoint itself, so an idle log is not signed again — and write new checkpoints to
  ``PHIWARD_AUDIT_CHECKPOINT_DIR`` when it is set.
- ``audit-verify`` (``PHIWARD_AUDIT_VERIFY_INTERVAL``, default 1d): what ``phiward audit
  verify`` does; a tampered log fails the job with the first problem found.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings

from phiward.audit import checkpoint_files, ledger, store
from phiward.jobs.registry import Job
from phiward.jobs.schedule import parse_interval


def checkpoint_interval() -> dt.timedelta:
    return parse_interval(settings.AUDIT_CHECKPOINT_INTERVAL, "PHIWARD_AUDIT_CHECKPOINT_INTERVAL")


def verify_interval() -> dt.timedelta:
    return parse_interval(settings.AUDIT_VERIFY_INTERVAL, "PHIWARD_AUDIT_VERIFY_INTERVAL")


def checkpoint_dir() -> Path | None:
    configured = str(getattr(settings, "AUDIT_CHECKPOINT_DIR", "") or "").strip()
    return Path(configured).expanduser() if configured else None


def scheduled_checkpoint(now: dt.datetime) -> str:
    signed = ledger.checkpoint_if_grown(summary="audit checkpoint signed on schedule")
    done = (
        f"signed a checkpoint of {signed.tree_size} entries"
        if signed is not None
        else "the log has not grown since the latest checkpoint"
    )
    directory = checkpoint_dir()
    if directory is None:
        return done
    written = checkpoint_files.export_new(directory)
    return f"{done}; {len(written)} checkpoint file(s) written to {directory}"


def scheduled_verify(now: dt.datetime) -> str:
    verdict = store.verify()
    store.raise_if_failed(verdict)
    return f"verified {verdict.tree_size} entries and {verdict.checkpoints_checked} checkpoints"


JOBS = [
    Job(
        name="audit-checkpoint",
        interval=checkpoint_interval,
        function=scheduled_checkpoint,
        description="Sign an audit checkpoint if the log grew; copy it to the checkpoint dir.",
    ),
    Job(
        name="audit-verify",
        interval=verify_interval,
        function=scheduled_verify,
        description="Recompute the whole audit log and check every checkpoint against it.",
        timeout=dt.timedelta(hours=6),
    ),
]
