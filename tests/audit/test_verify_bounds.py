"""``verify_log`` on logs where every entry is wrong: bounded problems and bounded memory."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace

import pytest

from phiward.audit import verification
from phiward.audit.canonical import LeafEntry
from phiward.audit.merkle import Frontier
from phiward.audit.verification import CheckpointClaim, ProblemKind, StoredEntry, verify_log

T0 = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def _leaf(seq: int) -> LeafEntry:
    return LeafEntry(
        seq=seq,
        timestamp=T0 + dt.timedelta(seconds=seq),
        action="change",
        actor="dana",
        object_type="inventory.asset",
        object_id=str(seq),
        summary=f"asset {seq} changed",
        changes={"owner": {"before": "IT", "after": f"clinic {seq % 7}"}},
        source="web",
    )


def _renumbered(size: int) -> Iterator[StoredEntry]:
    """A log whose entry 0 was deleted and every later entry renumbered down by one: each
    row keeps its content and the leaf hash it was written with, under its original number."""
    for seq in range(size):
        original = _leaf(seq + 1)
        yield StoredEntry(seq + 2, replace(original, seq=seq), original.leaf_hash())


def test_a_log_that_is_wrong_everywhere_lists_the_first_problems_and_counts_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(verification, "LISTED", 30)
    verdict = verify_log(_renumbered(400), [], 400)
    assert len(verdict.problems) == 30
    assert verdict.problem_count == 400  # one per entry, none lost from the count
    assert verdict.unlisted == 370
    assert [p.seq for p in verdict.problems] == list(range(30))  # the first ones, in order
    first = verdict.problems[0]
    assert first.kind is ProblemKind.DELETED
    assert first.message.startswith("entry 0 deleted and later entries renumbered")


def test_a_verdict_with_no_problem_listed_still_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verification, "LISTED", 0)
    verdict = verify_log(_renumbered(10), [], 10)
    assert verdict.problems == () and verdict.problem_count == 10
    assert not verdict.ok


def test_problems_found_last_still_come_first_when_they_are_earlier_in_the_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The checkpoint mismatch is found after the walk but sits at position 4: it must displace
    # a later problem from the list, not be dropped because the list was full.
    monkeypatch.setattr(verification, "LISTED", 3)
    good = [_leaf(seq) for seq in range(20)]
    forged = Frontier.of(b"\x01" * 32 for _ in range(5)).root()
    entries = [StoredEntry(seq + 1, leaf, leaf.leaf_hash()) for seq, leaf in enumerate(good)]
    for seq in (10, 12, 14, 16):  # four edited entries
        entries[seq] = StoredEntry(seq + 1, good[seq], b"\x00" * 32)
    verdict = verify_log(entries, [CheckpointClaim("stored checkpoint 1", 5, forged, True)], 20)
    assert [(p.kind, p.seq) for p in verdict.problems] == [
        (ProblemKind.CHECKPOINT_MISMATCH, 4),
        (ProblemKind.CHANGED, 10),
        (ProblemKind.CHANGED, 12),
    ]
    assert verdict.problem_count == 5


def test_an_untouched_log_has_no_problems_and_a_count_of_zero() -> None:
    leaves = [_leaf(seq) for seq in range(50)]
    entries = [StoredEntry(seq + 1, leaf, leaf.leaf_hash()) for seq, leaf in enumerate(leaves)]
    verdict = verify_log(entries, [], 50)
    assert verdict.ok and verdict.problem_count == 0
    assert verdict.root == Frontier.of(leaf.leaf_hash() for leaf in leaves).root()


def _peak_bytes(size: int) -> int:
    tracemalloc.start()
    try:
        verdict = verify_log(_renumbered(size), [], size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert verdict.problem_count == size
    return peak


def test_memory_does_not_grow_with_the_number_of_wrong_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every entry is wrong: keeping them (or a problem for each) would need ten times the
    # memory for ten times the entries.
    monkeypatch.setattr(verification, "LISTED", 100)
    small, large = _peak_bytes(800), _peak_bytes(8_000)
    assert large < small * 2, (small, large)
