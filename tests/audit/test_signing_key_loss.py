"""A lost audit signing key is refused, not silently replaced; restoring it, or replacing it on
the record with ``phiward audit new-signing-key``, are the ways on."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from django.utils import timezone
from pytest_django import Settings

from phiward.audit import jobs as audit_jobs
from phiward.audit import ledger, signing, store
from phiward.audit.cli import audit
from phiward.audit.ledger import append, write_checkpoint
from phiward.audit.models import AuditEntry, AuditHead, Checkpoint
from phiward.audit.signers import KeyRotation, trusted_signers
from phiward.audit.signing import (
    KEY_FILE_NAME,
    SigningKeyMissing,
    generate,
    install_pem,
    key_from_pem,
    parse_checkpoint,
    sign_checkpoint,
)
from phiward.core.auditing import AuditAction
from tests.audit.conftest import raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings: Settings, tmp_path: Path) -> Path:
    """A data directory of its own: the test decides what key file it holds."""
    settings.DATA_DIR = tmp_path
    return tmp_path


def _entries(n: int) -> None:
    for i in range(n):
        append(action=AuditAction.ADMIN, summary=f"step {i}")


def _run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(
        audit, list(args), input=stdin, standalone_mode=False, catch_exceptions=True
    )


def test_a_key_is_created_for_a_log_nothing_has_signed(data_dir: Path) -> None:
    _entries(3)
    assert not (data_dir / KEY_FILE_NAME).exists()
    signed = write_checkpoint()
    assert (data_dir / KEY_FILE_NAME).stat().st_mode & 0o777 == 0o600
    assert signed.key_id == ledger.signing_key().key_id


def test_a_missing_key_is_refused_when_checkpoints_exist(data_dir: Path) -> None:
    _entries(3)
    signed = write_checkpoint()
    (data_dir / KEY_FILE_NAME).unlink()
    with pytest.raises(SigningKeyMissing) as refused:
        ledger.signing_key()
    message = str(refused.value)
    assert str(data_dir / KEY_FILE_NAME) in message
    assert f"signed with key {signed.key_id}" in message
    assert "phiward keys restore" in message and "phiward audit new-signing-key" in message
    assert not (data_dir / KEY_FILE_NAME).exists()  # no new key appeared

    for command in (("checkpoint",), ("verify",)):
        result = _run(*command)
        assert isinstance(result.exception, SigningKeyMissing), command
    # The scheduled job reports it on every run, grown log or not.
    with pytest.raises(SigningKeyMissing):
        audit_jobs.scheduled_checkpoint(timezone.now())
    assert Checkpoint.objects.count() == 1


def test_the_head_remembers_a_signed_log_even_without_checkpoint_rows(data_dir: Path) -> None:
    _entries(2)
    write_checkpoint()
    Checkpoint.objects.all().delete()  # someone removed the rows and the key file
    (data_dir / KEY_FILE_NAME).unlink()
    assert AuditHead.objects.get().last_checkpoint_size > 0
    with pytest.raises(SigningKeyMissing, match="0 checkpoint"):
        ledger.signing_key()


def test_writes_go_on_while_the_key_is_missing(
    data_dir: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    _entries(2)
    write_checkpoint()
    (data_dir / KEY_FILE_NAME).unlink()
    settings.AUDIT_CHECKPOINT_EVERY = 2
    ledger._warned.clear()
    size = AuditHead.objects.get().size
    with caplog.at_level(logging.ERROR, logger="phiward.audit.ledger"):
        _entries(7)
    assert AuditHead.objects.get().size == size + 7  # every entry appended
    assert Checkpoint.objects.count() == 1  # none signed meanwhile
    assert sum("not being signed" in r.getMessage() for r in caplog.records) == 1


def test_restoring_the_key_from_a_backup_resumes_signing(data_dir: Path) -> None:
    _entries(3)
    write_checkpoint()
    pem = (data_dir / KEY_FILE_NAME).read_bytes()
    (data_dir / KEY_FILE_NAME).unlink()
    with pytest.raises(SigningKeyMissing):
        write_checkpoint()
    install_pem(data_dir, pem)  # what 'phiward keys restore' does with the key backup's copy
    _entries(2)
    assert write_checkpoint().key_id == key_from_pem(pem, "backup").key_id
    assert store.verify().ok


def _key_change_entry() -> AuditEntry:
    entry = AuditEntry.objects.filter(object_type="audit.signingkey").order_by("-seq").first()
    assert entry is not None
    return entry


def test_a_new_key_is_on_the_record_and_old_checkpoints_still_verify(
    data_dir: Path, tmp_path: Path
) -> None:
    _entries(4)
    old = write_checkpoint()
    exported = tmp_path / "kept-elsewhere.json"
    exported.write_text(old.export())

    change = ledger.new_signing_key()

    assert change.old_key_id == old.key_id and change.new_key_id != old.key_id
    assert ledger.signing_key().key_id == change.new_key_id  # the file holds the new key
    entry = _key_change_entry()
    assert (entry.action, entry.object_id) == ("key_use", change.new_key_id)
    assert entry.changes["key_id"] == {"before": old.key_id, "after": change.new_key_id}
    assert entry.changes["public_key"]["before"] == old.public_key.hex()
    assert change.checkpoint.tree_size == entry.seq + 1  # the new key signed over the change
    _entries(3)
    write_checkpoint()
    assert store.verify().ok
    assert store.verify(parse_checkpoint(exported.read_text()), "kept-elsewhere").ok
    assert _run("verify", "--checkpoint", str(exported)).exception is None


def test_a_replaced_key_vouches_for_nothing_after_the_change(data_dir: Path) -> None:
    _entries(4)
    write_checkpoint()
    stolen = ledger.signing_key()
    ledger.new_signing_key()
    _entries(2)
    head = AuditHead.objects.get()
    forged = sign_checkpoint(stolen, head.size, head.tree().root(), timezone.now())
    Checkpoint.objects.create(
        tree_size=forged.tree_size,
        root_hash=forged.root.hex(),
        timestamp=forged.timestamp,
        key_id=forged.key_id,
        public_key=forged.public_key.hex(),
        signature=base64.b64encode(forged.signature).decode(),
        origin=forged.origin,
    )
    verdict = store.verify()
    assert not verdict.ok
    assert verdict.first is not None and "invalid signature" in verdict.first.message


def test_a_lost_key_is_replaced_naming_the_key_of_the_checkpoints(data_dir: Path) -> None:
    _entries(3)
    old = write_checkpoint()
    (data_dir / KEY_FILE_NAME).unlink()
    result = _run("new-signing-key", "--yes", "--json")
    assert result.exception is None, result.output
    assert f'"old_key_id": "{old.key_id}"' in result.output
    assert store.verify().ok


def test_keys_replaced_twice_chain_back(data_dir: Path) -> None:
    _entries(2)
    write_checkpoint()
    ledger.new_signing_key()
    _entries(2)
    write_checkpoint()
    ledger.new_signing_key()
    assert len({c.key_id for c in Checkpoint.objects.all()}) == 3
    assert store.verify().ok


def test_changing_the_recorded_key_change_is_detected(data_dir: Path) -> None:
    _entries(2)
    write_checkpoint()
    ledger.new_signing_key()
    other = generate().public_bytes.hex()
    entry = _key_change_entry()
    raw(
        "UPDATE audit_auditentry SET changes = %s WHERE seq = %s",
        [f'{{"public_key": {{"before": "{other}", "after": "x"}}}}', entry.seq],
    )
    assert not store.verify().ok


def test_the_command_asks_first(data_dir: Path) -> None:
    _entries(2)
    old = write_checkpoint()
    result = _run("new-signing-key", stdin="n\n")
    assert result.exception is not None  # aborted
    assert ledger.signing_key().key_id == old.key_id
    assert not AuditEntry.objects.filter(object_type="audit.signingkey").exists()


def test_a_key_change_needs_a_checkpoint_of_the_new_key_over_it() -> None:
    old, new = generate(), generate()
    signed_by_old = sign_checkpoint(old, 5, bytes(32), timezone.now())
    rotation = KeyRotation(seq=7, old_public_key=old.public_bytes, new_public_key=new.public_bytes)
    uncovered = trusted_signers(new.public_bytes, [rotation], [signed_by_old])
    assert not uncovered.accepts(signed_by_old)
    covering = sign_checkpoint(new, 8, bytes(32), timezone.now())
    covered = trusted_signers(new.public_bytes, [rotation], [signed_by_old, covering])
    assert covered.accepts(signed_by_old)
    assert not covered.accepts(sign_checkpoint(old, 8, bytes(32), timezone.now()))
    too_early = sign_checkpoint(new, 7, bytes(32), timezone.now())  # does not cover seq 7
    assert not trusted_signers(new.public_bytes, [rotation], [too_early]).accepts(signed_by_old)


def test_a_key_change_cut_off_after_its_commit_is_finished_by_the_next_signer(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _entries(2)
    old = write_checkpoint()
    with monkeypatch.context() as patched:
        patched.setattr(signing, "promote_pending", lambda data_dir: None)  # the process dies
        change = ledger.new_signing_key()
    assert key_from_pem((data_dir / KEY_FILE_NAME).read_bytes(), "file").key_id == old.key_id
    assert ledger.signing_key().key_id == change.new_key_id  # finished here
    assert not (data_dir / signing.PENDING_FILE_NAME).exists()
    _entries(1)
    write_checkpoint()
    assert store.verify().ok


def test_a_pending_key_whose_change_never_committed_is_not_used(data_dir: Path) -> None:
    _entries(2)
    old = write_checkpoint()
    signing.write_pending(data_dir, signing.pem_of(generate()))  # then the transaction failed
    assert ledger.signing_key().key_id == old.key_id
    assert (data_dir / signing.PENDING_FILE_NAME).exists()
    change = ledger.new_signing_key()  # a later change replaces the stale pending key
    assert ledger.signing_key().key_id == change.new_key_id
    assert store.verify().ok
