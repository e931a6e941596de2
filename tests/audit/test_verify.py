"""``phiward audit verify`` against tampering by raw SQL, and the proofs' JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from phiward.audit import merkle
from phiward.audit.cli import audit
from phiward.audit.ledger import append, write_checkpoint
from phiward.audit.merkle import ConsistencyProof, InclusionProof
from phiward.audit.models import AuditEntry
from phiward.audit.signing import SigningKey, parse_checkpoint, sign_checkpoint
from phiward.audit.verification import StoredEntry, verify_log
from phiward.core.auditing import AuditAction
from tests.audit.conftest import raw

pytestmark = pytest.mark.django_db
SIZE = 12


@pytest.fixture
def log(db: None) -> list[AuditEntry]:
    """A log of SIZE entries; any earlier ones are part of it too."""
    for n in range(SIZE):
        append(action=AuditAction.ADMIN, summary=f"step {n}", changes={"n": {"after": n}})
    return list(AuditEntry.objects.order_by("seq"))


def _run(*args: str) -> Result:
    return CliRunner().invoke(audit, list(args), standalone_mode=False, catch_exceptions=True)


def _verify(*args: str) -> str:
    """The first problem's message, or "" when verification passes."""
    result = _run("verify", "--json", *args)
    report = json.loads(result.output)
    if report["ok"]:
        assert result.exception is None
        return ""
    assert result.exception is not None and "verification failed" in str(result.exception)
    return str(report["problems"][0]["message"])


def test_an_untouched_log_verifies(log: list[AuditEntry]) -> None:
    write_checkpoint()
    assert _verify() == ""
    result = _run("verify")
    assert result.exception is None and "audit log verified" in result.output


def test_a_changed_entry_is_named(log: list[AuditEntry]) -> None:
    write_checkpoint()
    target = log[5].seq
    raw("UPDATE audit_auditentry SET summary = 'nothing to see' WHERE seq = %s", [target])
    assert _verify().startswith(f"entry {target} was changed")


def test_a_changed_entry_with_a_recomputed_leaf_hash_fails_the_checkpoint(
    log: list[AuditEntry],
) -> None:
    write_checkpoint()
    entry = log[5]
    entry.summary = "rewritten"
    forged = entry.as_leaf().leaf_hash().hex()
    raw(
        "UPDATE audit_auditentry SET summary = 'rewritten', leaf_hash = %s WHERE seq = %s",
        [forged, entry.seq],
    )
    message = _verify()
    assert "do not match stored checkpoint" in message


def test_a_deleted_entry_is_named(log: list[AuditEntry]) -> None:
    raw("DELETE FROM audit_auditentry WHERE seq = %s", [log[4].seq])
    assert _verify().startswith(f"entry {log[4].seq} deleted")


def test_a_deleted_and_renumbered_entry_is_named(log: list[AuditEntry]) -> None:
    target = log[4].seq
    raw("DELETE FROM audit_auditentry WHERE seq = %s", [target])
    raw("UPDATE audit_auditentry SET seq = seq - 1 WHERE seq > %s", [target])
    assert _verify().startswith(f"entry {target} deleted and later entries renumbered")


def test_an_inserted_entry_is_named(log: list[AuditEntry]) -> None:
    target = log[6].seq
    # Make room at the position, then insert a well-formed entry with a correct leaf hash.
    raw("UPDATE audit_auditentry SET seq = seq + 1000 WHERE seq >= %s", [target])
    raw("UPDATE audit_auditentry SET seq = seq - 999 WHERE seq >= %s", [target + 1000])
    fake = AuditEntry(seq=target, timestamp=log[6].timestamp, action="admin", summary="fake")
    fake.leaf_hash = fake.as_leaf().leaf_hash().hex()
    raw(
        "INSERT INTO audit_auditentry (seq, timestamp, organization_id, actor_id, actor, action,"
        " object_type, object_id, summary, changes, source, leaf_hash) VALUES"
        " (%s, %s, NULL, NULL, '', 'admin', '', '', 'fake', '{}', '', %s)",
        [target, fake.timestamp, fake.leaf_hash],
    )
    assert _verify().startswith(f"entry {target} was inserted")


def test_a_duplicated_sequence_number_is_named(log: list[AuditEntry]) -> None:
    # The unique constraint stops this in the database; the check does not rely on it.
    rows = [StoredEntry(e.pk, e.as_leaf(), bytes.fromhex(e.leaf_hash)) for e in log]
    copy = rows[3]
    tampered = [*rows[:4], StoredEntry(10_000, copy.entry, copy.stored_hash), *rows[4:]]
    verdict = verify_log(tampered, [], None)
    assert verdict.first is not None
    assert verdict.first.message.startswith(f"entry {copy.entry.seq} was inserted: row id 10000")


def test_reordered_entries_are_named(log: list[AuditEntry]) -> None:
    a, b = log[2].seq, log[7].seq
    raw("UPDATE audit_auditentry SET seq = -1 WHERE seq = %s", [a])
    raw("UPDATE audit_auditentry SET seq = %s WHERE seq = %s", [a, b])
    raw("UPDATE audit_auditentry SET seq = %s WHERE seq = -1", [b])
    assert _verify().startswith(f"entry {a} was reordered")


def test_truncating_the_newest_entries_is_caught_by_the_head(log: list[AuditEntry]) -> None:
    raw("DELETE FROM audit_auditentry WHERE seq >= %s", [log[-3].seq])
    assert _verify().startswith("the newest 3 entries were removed")


def test_truncation_with_the_head_rewritten_is_caught_by_a_checkpoint(
    log: list[AuditEntry], tmp_path: Path
) -> None:
    exported = tmp_path / "checkpoint.json"
    assert _run("checkpoint", "--output", str(exported)).exception is None
    raw("DELETE FROM audit_auditentry WHERE seq >= %s", [log[-2].seq])
    raw("UPDATE audit_audithead SET size = size - 2")
    assert _verify().startswith("the newest 2 entries were removed: stored checkpoint")
    raw("DELETE FROM audit_checkpoint")  # the attacker removes the stored checkpoints too
    assert _verify() == ""  # nothing inside the database shows it any more...
    message = _verify("--checkpoint", str(exported))  # ...but the external checkpoint does
    assert message.startswith("the newest 2 entries were removed: external checkpoint")


def test_an_external_checkpoint_from_another_key_is_rejected(
    log: list[AuditEntry], tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    size = AuditEntry.objects.count()
    leaves = [bytes.fromhex(e.leaf_hash) for e in AuditEntry.objects.order_by("seq")]
    forged = sign_checkpoint(
        SigningKey(Ed25519PrivateKey.generate()), size, merkle.root_hash(leaves), log[0].timestamp
    )
    path = tmp_path / "forged.json"
    path.write_text(forged.export())
    assert "invalid signature" in _verify("--checkpoint", str(path))


def test_a_checkpoint_export_is_signed_and_parsable(log: list[AuditEntry]) -> None:
    result = _run("checkpoint")
    checkpoint = parse_checkpoint(result.output)
    assert checkpoint.tree_size == AuditEntry.objects.count()
    assert checkpoint.signature_valid()
    assert json.loads(result.output)["body"].splitlines()[1] == str(checkpoint.tree_size)


def test_proofs_print_what_an_independent_verifier_needs(log: list[AuditEntry]) -> None:
    size = AuditEntry.objects.count()
    proof = json.loads(_run("proof", "3", "--size", str(size)).output)
    leaf = merkle.leaf_hash(proof["leaf_data"].encode("utf-8"))
    assert leaf.hex() == proof["leaf_hash"]
    inclusion = InclusionProof(3, size, tuple(bytes.fromhex(h) for h in proof["inclusion_path"]))
    assert merkle.verify_inclusion(inclusion, leaf, bytes.fromhex(proof["root_hash"]))

    data = json.loads(_run("consistency", "5", str(size)).output)
    consistency = ConsistencyProof(
        5, size, tuple(bytes.fromhex(h) for h in data["consistency_path"])
    )
    assert merkle.verify_consistency(
        consistency, bytes.fromhex(data["first_root_hash"]), bytes.fromhex(data["second_root_hash"])
    )
    assert data["second_root_hash"] == proof["root_hash"]


def test_proof_of_an_entry_outside_the_tree_is_an_input_error(log: list[AuditEntry]) -> None:
    result = _run("proof", "999", "--size", "3")
    assert result.exception is not None and "not in a tree of 3" in str(result.exception)


def test_log_lists_and_exports(log: list[AuditEntry]) -> None:
    listed = json.loads(_run("log", "--json", "--action", "admin").output)
    assert [e["seq"] for e in listed][:SIZE] == [e.seq for e in reversed(log)][:SIZE]
    csv_text = _run("log", "--csv", "--limit", "2").output
    assert csv_text.splitlines()[0].startswith("seq,timestamp")
    assert len(csv_text.splitlines()) == 3
