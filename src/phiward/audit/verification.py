"""Checking a stored audit log against itself and its checkpoints (no Django here).

``verify_log`` walks the entries in log order, recomputes every leaf hash from the entry's
columns, rebuilds the tree and compares it with each checkpoint. It names the first entry
that was changed, deleted, inserted or reordered, and a truncation of the newest entries
(a checkpoint or the log head that is larger than the log).

The walk is one pass over an iterator (the store reads rows in chunks): O(n) time, and memory
that does not grow with the number of entries — the tree's right edge (O(log n) hashes), one
root per checkpoint, at most ``EXPLAINED`` suspect entries and at most ``LISTED`` problems,
however many entries a tampering broke (a deletion near the start renumbers every later one).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from phiward.audit.canonical import LeafEntry
from phiward.audit.merkle import Frontier

# How far a renumbered entry is looked for, and how many bad entries are explained in detail.
SHIFT_WINDOW = 8
EXPLAINED = 50
# How many problems a verdict lists (the first ones in log order); the rest are only counted.
LISTED = 1000


class ProblemKind(StrEnum):
    CHANGED = "changed"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    TRUNCATED = "truncated"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    BAD_SIGNATURE = "bad_signature"


@dataclass(frozen=True)
class StoredEntry:
    """One row as read from the database: its id, its columns and the leaf hash stored with it."""

    id: int
    entry: LeafEntry
    stored_hash: bytes


@dataclass(frozen=True)
class CheckpointClaim:
    """A signed tree head to check the log against (stored, or an external file)."""

    label: str  # e.g. "stored checkpoint 3" or "external checkpoint checkpoint.json"
    tree_size: int
    root: bytes
    signature_valid: bool


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    seq: int  # the log position the problem is at
    message: str


@dataclass(frozen=True)
class Verdict:
    tree_size: int
    root: bytes
    entries: int
    checkpoints_checked: int
    problems: tuple[Problem, ...]  # the first LISTED problems in log order
    unlisted: int = 0  # problems found beyond those listed

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.unlisted

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


_KIND_ORDER = {kind: index for index, kind in enumerate(ProblemKind)}


class _Problems:
    """The ``limit`` first problems by (log position, kind, order found), and a count of all.

    A bounded max-heap: a problem past the ``limit`` smallest is counted and dropped, so a log
    where every entry is wrong costs no more memory than one with ``limit`` wrong entries.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.found = 0
        self._heap: list[tuple[int, int, int, Problem]] = []  # keys negated: largest on top

    def append(self, problem: Problem) -> None:
        item = (-problem.seq, -_KIND_ORDER[problem.kind], -self.found, problem)
        self.found += 1
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, item)
        elif self.limit > 0 and item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def first(self) -> tuple[Problem, ...]:
        return tuple(item[3] for item in sorted(self._heap, reverse=True))


@dataclass
class _Walk:
    frontier: Frontier
    roots: dict[int, bytes]
    problems: _Problems
    mismatched: list[StoredEntry]  # the first EXPLAINED entries whose leaf hash differs
    wanted_sizes: frozenset[int]

    def mismatch(self, stored: StoredEntry) -> None:
        if len(self.mismatched) < EXPLAINED:
            self.mismatched.append(stored)
        else:  # explained no further: keep the message, not the entry
            seq = stored.entry.seq
            message = f"entry {seq} does not match its leaf hash"
            self.problems.append(Problem(ProblemKind.CHANGED, seq, message))


def verify_log(
    entries: Iterable[StoredEntry],
    checkpoints: Sequence[CheckpointClaim],
    head_size: int | None = None,
) -> Verdict:
    """Check ``entries`` (ordered by seq, then id) against ``checkpoints`` and the log head.

    ``entries`` is consumed once and no entry is kept after its leaf is added to the tree
    (except the first ``EXPLAINED`` that do not match their leaf hash).
    """
    walk = _Walk(
        Frontier(),
        {0: Frontier().root()},
        _Problems(LISTED),
        [],
        frozenset(c.tree_size for c in checkpoints),
    )
    expected, last_id = 0, None
    for stored in entries:
        seq = stored.entry.seq
        if seq < expected:
            walk.problems.append(
                Problem(
                    ProblemKind.INSERTED,
                    seq,
                    f"entry {seq} was inserted: row id {stored.id} repeats sequence number {seq}",
                )
            )
            continue
        if seq > expected:
            missing = (
                f"entry {expected}" if seq == expected + 1 else f"entries {expected}-{seq - 1}"
            )
            walk.problems.append(
                Problem(ProblemKind.DELETED, expected, f"{missing} deleted: the log jumps to {seq}")
            )
            expected = seq
        if last_id is not None and stored.id < last_id:
            walk.problems.append(
                Problem(
                    ProblemKind.REORDERED,
                    seq,
                    f"entry {seq} was reordered: its row (id {stored.id}) was written before "
                    f"the previous entry's (id {last_id})",
                )
            )
        last_id = stored.id
        recomputed = stored.entry.leaf_hash()
        if recomputed != stored.stored_hash:
            walk.mismatch(stored)
        walk.frontier.append(recomputed)
        if walk.frontier.size in walk.wanted_sizes:
            walk.roots[walk.frontier.size] = walk.frontier.root()
        expected += 1
    walk.problems.extend(_explain(walk.mismatched))
    size = walk.frontier.size
    if head_size is not None and head_size != size:
        walk.problems.append(_head_problem(head_size, size))
    walk.problems.extend(_check_points(checkpoints, walk.roots, size))
    listed = walk.problems.first()
    unlisted = walk.problems.found - len(listed)
    return Verdict(size, walk.frontier.root(), size, len(checkpoints), listed, unlisted)


def _original_seq(stored: StoredEntry, candidates: Iterable[int]) -> int | None:
    """The sequence number an entry was hashed with, if it is one of ``candidates``."""
    for candidate in candidates:
        if (
            candidate >= 0
            and replace(stored.entry, seq=candidate).leaf_hash() == stored.stored_hash
        ):
            return candidate
    return None


def _explain(mismatched: Sequence[StoredEntry]) -> list[Problem]:
    """Why each entry's content no longer matches its leaf hash: edited, or renumbered."""
    explained = list(mismatched)
    seqs = [s.entry.seq for s in explained]
    originals: list[int | None] = []
    for stored in explained:
        seq = stored.entry.seq
        window = [seq + d for d in range(-SHIFT_WINDOW, SHIFT_WINDOW + 1) if d]
        originals.append(_original_seq(stored, [*window, *(s for s in seqs if s != seq)]))
    moved = [(s, o) for s, o in zip(seqs, originals, strict=True) if o is not None]
    permutation = sorted(s for s, _ in moved) == sorted(o for _, o in moved)
    problems = []
    for stored, original in zip(explained, originals, strict=True):
        seq = stored.entry.seq
        if original is None:
            message = f"entry {seq} was changed: its content no longer matches its leaf hash"
            problems.append(Problem(ProblemKind.CHANGED, seq, message))
        elif permutation:
            message = f"entry {seq} was reordered: it holds the original entry {original}"
            problems.append(Problem(ProblemKind.REORDERED, seq, message))
        elif original < seq:
            message = (
                f"entry {original} was inserted: the original entry {original} "
                f"is now numbered {seq}"
            )
            problems.append(Problem(ProblemKind.INSERTED, original, message))
        else:
            gone = f"entry {seq}" if original == seq + 1 else f"entries {seq}-{original - 1}"
            message = (
                f"{gone} deleted and later entries renumbered: {seq} is the original {original}"
            )
            problems.append(Problem(ProblemKind.DELETED, seq, message))
    return problems


def _head_problem(head_size: int, size: int) -> Problem:
    if head_size > size:
        return Problem(
            ProblemKind.TRUNCATED,
            size,
            f"the newest {head_size - size} entries were removed: the log head records "
            f"{head_size} entries but the log holds {size}",
        )
    return Problem(
        ProblemKind.INSERTED,
        head_size,
        f"entry {head_size} was inserted: the log head records {head_size} entries "
        f"but the log holds {size}",
    )


def _check_points(
    checkpoints: Sequence[CheckpointClaim], roots: dict[int, bytes], size: int
) -> list[Problem]:
    problems = []
    good = sorted(
        c.tree_size
        for c in checkpoints
        if c.signature_valid and c.tree_size <= size and roots.get(c.tree_size) == c.root
    )
    for claim in checkpoints:
        if not claim.signature_valid:
            problems.append(
                Problem(
                    ProblemKind.BAD_SIGNATURE,
                    claim.tree_size,
                    f"{claim.label} (size {claim.tree_size}) has an invalid signature",
                )
            )
        elif claim.tree_size > size:
            problems.append(
                Problem(
                    ProblemKind.TRUNCATED,
                    size,
                    f"the newest {claim.tree_size - size} entries were removed: {claim.label} "
                    f"covers {claim.tree_size} entries but the log holds {size}",
                )
            )
        elif roots.get(claim.tree_size) != claim.root:
            below = bisect_left(good, claim.tree_size)  # the last good checkpoint before it
            earlier = good[below - 1] if below else 0
            problems.append(
                Problem(
                    ProblemKind.CHECKPOINT_MISMATCH,
                    claim.tree_size - 1,
                    f"the first {claim.tree_size} entries do not match {claim.label}: an entry "
                    f"from {earlier} to {claim.tree_size - 1} was changed, inserted or removed",
                )
            )
    return problems
