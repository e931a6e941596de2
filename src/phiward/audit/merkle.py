"""The audit log's Merkle tree, exactly as RFC 9162 section 2.1 defines it (no Django here).

Leaves are hashed ``SHA-256(0x00 || data)``, interior nodes ``SHA-256(0x01 || left || right)``;
a tree of ``n`` leaves splits at the largest power of two smaller than ``n``. This module
computes tree heads, generates inclusion proofs (2.1.3.1) and consistency proofs (2.1.4.1) and
verifies them with the algorithms of 2.1.3.2 and 2.1.4.2, so a verifier written from the RFC
accepts what phiward produces.

Everything works on *leaf hashes* (``Sequence[bytes]``) so a caller holding a million stored
hashes never rehashes entry data to build a proof; a ``Frontier`` keeps the right edge of the
tree (one hash per set bit of the size) so appends and tree heads cost O(log n).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256(0x00 || data)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    if n < 2:
        raise ValueError("a tree splits only when it has two or more leaves")
    return 1 << ((n - 1).bit_length() - 1)


@dataclass
class Frontier:
    """The right edge of a tree: the roots of its perfect subtrees, largest first.

    ``append`` adds a leaf hash in O(log n) amortized, ``root`` gives the tree head in
    O(log n). Stored as a list of hashes, it lets the log keep its head without rereading it.
    """

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> None:
        node, n = leaf, self.size
        while n & 1:
            node = node_hash(self.hashes.pop(), node)
            n >>= 1
        self.hashes.append(node)
        self.size += 1

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        node = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            node = node_hash(left, node)
        return node

    def copy(self) -> Frontier:
        return Frontier(self.size, list(self.hashes))

    @classmethod
    def of(cls, leaves: Iterable[bytes]) -> Frontier:
        frontier = cls()
        for leaf in leaves:
            frontier.append(leaf)
        return frontier


def subtree_root(leaves: Sequence[bytes], start: int = 0, end: int | None = None) -> bytes:
    """MTH(D[start:end]) of already hashed leaves, in O(end - start) with a stack."""
    stop = len(leaves) if end is None else end
    if not 0 <= start <= stop <= len(leaves):
        raise ValueError(f"range {start}..{stop} is outside a tree of {len(leaves)} leaves")
    frontier = Frontier()
    for index in range(start, stop):
        frontier.append(leaves[index])
    return frontier.root()


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of a whole list of leaf hashes (EMPTY_ROOT for none)."""
    return subtree_root(leaves)


@dataclass(frozen=True)
class InclusionProof:
    """PATH(leaf_index, D[tree_size]): the audit path of one leaf, bottom first."""

    leaf_index: int
    tree_size: int
    path: tuple[bytes, ...]


@dataclass(frozen=True)
class ConsistencyProof:
    """PROOF(first_size, D[second_size]): that the first tree is a prefix of the second."""

    first_size: int
    second_size: int
    path: tuple[bytes, ...]


def inclusion_proof(leaves: Sequence[bytes], leaf_index: int, tree_size: int) -> InclusionProof:
    """The audit path of ``leaf_index`` in the tree of the first ``tree_size`` leaves."""
    if not 0 <= leaf_index < tree_size <= len(leaves):
        raise ValueError(
            f"no leaf {leaf_index} in a tree of {tree_size} (the log holds {len(leaves)})"
        )
    path: list[bytes] = []
    start, end, index = 0, tree_size, leaf_index
    # Walk down from the root; each level contributes the hash of the other side.
    while end - start > 1:
        k = split_point(end - start)
        if index < k:
            path.append(subtree_root(leaves, start + k, end))
            end = start + k
        else:
            path.append(subtree_root(leaves, start, start + k))
            start, index = start + k, index - k
    path.reverse()
    return InclusionProof(leaf_index, tree_size, tuple(path))


def consistency_proof(
    leaves: Sequence[bytes], first_size: int, second_size: int
) -> ConsistencyProof:
    """PROOF(first_size, D[second_size]) of RFC 9162 2.1.4.1 (empty when the sizes are equal
    or the first tree is empty)."""
    if not 0 <= first_size <= second_size <= len(leaves):
        raise ValueError(
            f"no consistency proof from {first_size} to {second_size} (the log holds {len(leaves)})"
        )
    path: list[bytes] = []
    if 0 < first_size < second_size:
        _subproof(leaves, first_size, 0, second_size, True, path)
    return ConsistencyProof(first_size, second_size, tuple(path))


def _subproof(
    leaves: Sequence[bytes], m: int, start: int, end: int, complete: bool, out: list[bytes]
) -> None:
    """SUBPROOF(m, D[start:end], b), appending to ``out`` in the RFC's order."""
    n = end - start
    if m == n:
        if not complete:
            out.append(subtree_root(leaves, start, end))
        return
    k = split_point(n)
    if m <= k:
        _subproof(leaves, m, start, start + k, complete, out)
        out.append(subtree_root(leaves, start + k, end))
    else:
        _subproof(leaves, m - k, start + k, end, False, out)
        out.append(subtree_root(leaves, start, start + k))


def root_from_inclusion(proof: InclusionProof, leaf: bytes) -> bytes | None:
    """The root an inclusion proof leads to (RFC 9162 2.1.3.2), or None if it cannot be valid."""
    if not 0 <= proof.leaf_index < proof.tree_size:
        return None
    if len(leaf) != HASH_SIZE or any(len(p) != HASH_SIZE for p in proof.path):
        return None
    fn, sn, r = proof.leaf_index, proof.tree_size - 1, leaf
    for p in proof.path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(proof: InclusionProof, leaf: bytes, root: bytes) -> bool:
    """Whether ``leaf`` is at ``proof.leaf_index`` of the tree of size ``proof.tree_size``
    whose head is ``root``."""
    return root_from_inclusion(proof, leaf) == root


def verify_consistency(proof: ConsistencyProof, first_root: bytes, second_root: bytes) -> bool:
    """Whether the tree with head ``first_root`` is a prefix of the one with ``second_root``
    (RFC 9162 2.1.4.2)."""
    first, second, path = proof.first_size, proof.second_size, list(proof.path)
    if not 0 <= first <= second:
        return False
    if any(len(h) != HASH_SIZE for h in (*path, first_root, second_root)):
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path  # the empty tree is a prefix of every tree
    if not path:
        return False
    if first & (first - 1) == 0:  # an exact power of two: its root is the first node
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
