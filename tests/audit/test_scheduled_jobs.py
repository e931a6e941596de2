"""The audit log's scheduled jobs: a checkpoint when the log grew (and its file outside the
database), and a full verification."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.utils import timezone
from pytest_django import Settings

from phiward.audit import jobs as audit_jobs
from phiward.audit.checkpoint_files import export_new
from phiward.audit.cli import audit
from phiward.audit.ledger import append, write_checkpoint
from phiward.audit.models import AuditEntry, AuditHead, Checkpoint
from phiward.audit.signing import parse_checkpoint
from phiward.core.auditing import AuditAction
from phiward.core.errors import InvalidInput
from phiward.jobs import runner
from phiward.jobs.registry import Registry
from tests.audit.conftest import raw

pytestmark = pytest.mark.django_db
FILE_NAME = re.compile(r"^checkpoint-\d{12}-\d{8}T\d{6}\.\d{6}Z\.json$")


def _entries(n: int) -> None:
    for i in range(n):
        append(action=AuditAction.ADMIN, summary=f"step {i}")


def _checkpoint_now() -> str:
    return audit_jobs.scheduled_checkpoint(timezone.now())


def test_a_checkpoint_is_signed_only_when_the_log_grew(settings: Settings) -> None:
    settings.AUDIT_CHECKPOINT_DIR = ""
    _entries(3)
    summary = _checkpoint_now()
    head = AuditHead.objects.get()
    latest = Checkpoint.objects.order_by("-tree_size").first()
    assert latest is not None and latest.tree_size == head.size
    assert summary == f"signed a checkpoint of {head.size} entries"
    # The entry that records it is the last one the checkpoint covers: an idle log stays idle.
    recorded = AuditEntry.objects.get(seq=head.size - 1)
    assert (recorded.action, recorded.object_type) == ("admin", "audit.checkpoint")
    assert recorded.changes == {"tree_size": {"after": head.size}}
    count = Checkpoint.objects.count()
    assert _checkpoint_now() == "the log has not grown since the latest checkpoint"
    assert Checkpoint.objects.count() == count and AuditHead.objects.get().size == head.size

    _entries(1)
    assert _checkpoint_now().startswith("signed a checkpoint of")
    assert Checkpoint.objects.count() == count + 1


def test_a_log_covered_by_a_manual_checkpoint_is_not_signed_again(settings: Settings) -> None:
    settings.AUDIT_CHECKPOINT_DIR = ""
    _entries(2)
    write_checkpoint()
    assert _checkpoint_now() == "the log has not grown since the latest checkpoint"


def test_as_a_job_it_records_as_the_job(settings: Settings) -> None:
    settings.AUDIT_CHECKPOINT_DIR = ""
    _entries(1)
    registry = Registry(audit_jobs.JOBS)
    outcome = runner.run_now(registry, "audit-checkpoint", actor=None)
    assert outcome.ok
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert (entry.actor, entry.source) == ("job:audit-checkpoint", "system")


def test_new_checkpoints_are_written_to_the_checkpoint_dir(
    settings: Settings, tmp_path: Path
) -> None:
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path)
    _entries(3)
    assert _checkpoint_now().endswith(f"1 checkpoint file(s) written to {tmp_path}")
    (first,) = tmp_path.iterdir()
    assert FILE_NAME.match(first.name)
    exported = parse_checkpoint(first.read_text())
    assert exported.tree_size == AuditHead.objects.get().size
    # The file is what 'phiward audit verify --checkpoint FILE' accepts.
    result = CliRunner().invoke(
        audit, ["verify", "--checkpoint", str(first)], standalone_mode=False
    )
    assert result.exception is None, result.output

    assert _checkpoint_now().endswith("0 checkpoint file(s) written to " + str(tmp_path))
    # Checkpoints made meanwhile by hand or every N entries are copied too, in order.
    _entries(2)
    write_checkpoint()
    _entries(2)
    write_checkpoint()
    _entries(1)
    assert _checkpoint_now().endswith("3 checkpoint file(s) written to " + str(tmp_path))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 4 and all(FILE_NAME.match(n) for n in names)
    sizes = [parse_checkpoint((tmp_path / n).read_text()).tree_size for n in names]
    assert sizes == sorted(sizes) and sizes[-1] == AuditHead.objects.get().size
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_an_empty_checkpoint_dir_gets_the_latest_only(tmp_path: Path) -> None:
    for _ in range(3):
        _entries(1)
        write_checkpoint()
    (written,) = export_new(tmp_path)
    latest = Checkpoint.objects.order_by("-tree_size", "-pk").first()
    assert latest is not None
    assert parse_checkpoint(written.read_text()).tree_size == latest.tree_size


def test_a_file_in_the_dir_is_never_rewritten(tmp_path: Path) -> None:
    _entries(1)
    write_checkpoint()
    (written,) = export_new(tmp_path)
    os.chmod(written, 0o400)
    before = written.stat().st_mtime_ns
    assert export_new(tmp_path) == []
    assert written.stat().st_mtime_ns == before


def test_a_missing_checkpoint_dir_fails_the_job_by_name(settings: Settings, tmp_path: Path) -> None:
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "not-mounted")
    _entries(1)
    outcome = runner.run_now(Registry(audit_jobs.JOBS), "audit-checkpoint", actor=None)
    assert not outcome.ok
    assert outcome.text.startswith("InvalidInput: PHIWARD_AUDIT_CHECKPOINT_DIR")
    assert not (tmp_path / "not-mounted").exists()  # not created: it may be a mount point


def test_interval_settings_are_read_and_checked(settings: Settings) -> None:
    settings.AUDIT_CHECKPOINT_INTERVAL = "15m"
    assert audit_jobs.checkpoint_interval() == dt.timedelta(minutes=15)
    settings.AUDIT_VERIFY_INTERVAL = "0"
    assert audit_jobs.verify_interval() == dt.timedelta(0)
    settings.AUDIT_CHECKPOINT_INTERVAL = "hourly"
    with pytest.raises(InvalidInput, match="PHIWARD_AUDIT_CHECKPOINT_INTERVAL"):
        audit_jobs.checkpoint_interval()


def test_the_verify_job_passes_and_fails_with_the_log(settings: Settings) -> None:
    _entries(4)
    write_checkpoint()
    registry = Registry(audit_jobs.JOBS)
    good = runner.run_now(registry, "audit-verify", actor=None)
    assert good.ok and good.text.startswith("verified ")
    seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True)[2]
    raw("UPDATE audit_auditentry SET summary = 'rewritten' WHERE seq = %s", [seq])
    bad = runner.run_now(registry, "audit-verify", actor=None)
    assert not bad.ok
    assert bad.text.startswith(f"VerificationFailed: audit log verification failed: entry {seq}")
