"""The RFC 9162 Merkle engine: published reference values, an independent naive
implementation, and exhaustive proofs for small trees with mutations that must be rejected."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from phiward.audit import merkle
from phiward.audit.merkle import ConsistencyProof, Frontier, InclusionProof

VECTORS = json.loads((Path(__file__).parent / "reference_vectors.json").read_text())
REF_LEAVES = [bytes.fromhex(h) for h in VECTORS["leaves_hex"]]
REF_ROOTS = [bytes.fromhex(h) for h in VECTORS["roots_hex"]]
MAX_SIZE = 64


# --- an independent implementation, written from the RFC's recursive definitions -------------


def _naive_mth(data: list[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + _naive_mth(data[:k]) + _naive_mth(data[k:])).digest()


def _naive_path(m: int, data: list[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*_naive_path(m, data[:k]), _naive_mth(data[k:])]
    return [*_naive_path(m - k, data[k:]), _naive_mth(data[:k])]


def _naive_subproof(m: int, data: list[bytes], b: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if b else [_naive_mth(data)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_naive_subproof(m, data[:k], b), _naive_mth(data[k:])]
    return [*_naive_subproof(m - k, data[k:], False), _naive_mth(data[:k])]


# --- data ---------------------------------------------------------------------------------------

DATA = [f"entry {i}".encode() for i in range(MAX_SIZE)]
LEAVES = [merkle.leaf_hash(d) for d in DATA]
ROOTS = [merkle.root_hash(LEAVES[:n]) for n in range(MAX_SIZE + 1)]


def _flip(h: bytes, bit: int) -> bytes:
    out = bytearray(h)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


# --- reference values ---------------------------------------------------------------------------


def test_leaf_and_node_hashes_match_the_reference() -> None:
    leaf_hashes = [merkle.leaf_hash(d) for d in REF_LEAVES]
    assert [h.hex() for h in leaf_hashes] == VECTORS["leaf_hashes_hex"]
    level = leaf_hashes
    for expected in VECTORS["node_hashes_hex"]:
        level = [merkle.node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        assert [h.hex() for h in level] == expected


@pytest.mark.parametrize("size", range(len(REF_ROOTS)))
def test_roots_match_the_reference(size: int) -> None:
    leaf_hashes = [merkle.leaf_hash(d) for d in REF_LEAVES[:size]]
    assert merkle.root_hash(leaf_hashes) == REF_ROOTS[size]
    assert Frontier.of(leaf_hashes).root() == REF_ROOTS[size]
    assert _naive_mth(REF_LEAVES[:size]) == REF_ROOTS[size]


def test_the_empty_tree_is_the_hash_of_nothing() -> None:
    assert merkle.root_hash([]) == merkle.EMPTY_ROOT == REF_ROOTS[0]


@pytest.mark.parametrize("vector", VECTORS["inclusion_proofs"], ids=str)
def test_inclusion_proofs_match_the_reference(vector: dict[str, object]) -> None:
    leaf_hashes = [merkle.leaf_hash(d) for d in REF_LEAVES]
    index, size = int(str(vector["leaf_index"])), int(str(vector["tree_size"]))
    proof = merkle.inclusion_proof(leaf_hashes, index, size)
    assert [p.hex() for p in proof.path] == vector["path_hex"]
    assert merkle.verify_inclusion(proof, leaf_hashes[index], REF_ROOTS[size])


@pytest.mark.parametrize("vector", VECTORS["consistency_proofs"], ids=str)
def test_consistency_proofs_match_the_reference(vector: dict[str, object]) -> None:
    leaf_hashes = [merkle.leaf_hash(d) for d in REF_LEAVES]
    first, second = int(str(vector["first_size"])), int(str(vector["second_size"]))
    proof = merkle.consistency_proof(leaf_hashes, first, second)
    assert [p.hex() for p in proof.path] == vector["path_hex"]
    assert merkle.verify_consistency(proof, REF_ROOTS[first], REF_ROOTS[second])


# --- the efficient engine against the naive one -------------------------------------------------


def test_roots_and_frontier_agree_with_the_naive_tree() -> None:
    frontier = Frontier()
    for n in range(MAX_SIZE + 1):
        assert ROOTS[n] == _naive_mth(DATA[:n]) == frontier.root()
        if n < MAX_SIZE:
            frontier.append(LEAVES[n])
    assert frontier.size == MAX_SIZE


def test_subtree_roots_of_any_range() -> None:
    for start in range(20):
        for end in range(start, 20):
            assert merkle.subtree_root(LEAVES, start, end) == _naive_mth(DATA[start:end])


def test_split_point_is_the_largest_power_of_two_below() -> None:
    assert [merkle.split_point(n) for n in range(2, 10)] == [1, 2, 2, 4, 4, 4, 4, 8]
    with pytest.raises(ValueError, match="two or more"):
        merkle.split_point(1)


# --- exhaustive inclusion proofs ----------------------------------------------------------------


def _inclusion_mutations(proof: InclusionProof) -> dict[str, InclusionProof]:
    i, n, path = proof.leaf_index, proof.tree_size, proof.path
    mutations = {
        "index - 1": replace(proof, leaf_index=i - 1),
        "index + 1": replace(proof, leaf_index=i + 1),
        "size * 2": replace(proof, tree_size=n * 2),
        "size / 2": replace(proof, tree_size=n // 2),
        "appended element": replace(proof, path=(*path, ROOTS[n])),
        "prepended element": replace(proof, path=(LEAVES[i], *path)),
    }
    for k in range(len(path)):
        mutations[f"removed element {k}"] = replace(proof, path=path[:k] + path[k + 1 :])
        for bit in (0, 131, 255):
            flipped = (*path[:k], _flip(path[k], bit), *path[k + 1 :])
            mutations[f"bit {bit} flipped in element {k}"] = replace(proof, path=flipped)
    return mutations


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_every_inclusion_proof_verifies_and_no_mutation_does(size: int) -> None:
    for index in range(size):
        proof = merkle.inclusion_proof(LEAVES, index, size)
        assert list(proof.path) == _naive_path(index, DATA[:size])
        assert merkle.verify_inclusion(proof, LEAVES[index], ROOTS[size])
        assert not merkle.verify_inclusion(proof, _flip(LEAVES[index], 7), ROOTS[size])
        assert not merkle.verify_inclusion(proof, LEAVES[index], _flip(ROOTS[size], 200))
        for name, bad in _inclusion_mutations(proof).items():
            root = ROOTS[bad.tree_size] if 0 <= bad.tree_size <= MAX_SIZE else ROOTS[size]
            for claimed_root in {root, ROOTS[size]}:
                assert not merkle.verify_inclusion(bad, LEAVES[index], claimed_root), (
                    f"leaf {index} of {size}: {name} verified"
                )


def test_inclusion_proof_rejects_indexes_outside_the_tree() -> None:
    with pytest.raises(ValueError, match="no leaf 5"):
        merkle.inclusion_proof(LEAVES, 5, 5)
    with pytest.raises(ValueError, match="no leaf 0 in a tree of 4"):
        merkle.inclusion_proof(LEAVES[:3], 0, 4)
    assert not merkle.verify_inclusion(InclusionProof(0, 0, ()), LEAVES[0], merkle.EMPTY_ROOT)
    assert not merkle.verify_inclusion(InclusionProof(0, 1, ()), b"short", b"short")


# --- exhaustive consistency proofs --------------------------------------------------------------


def _consistency_mutations(proof: ConsistencyProof) -> dict[str, ConsistencyProof]:
    m, n, path = proof.first_size, proof.second_size, proof.path
    mutations = {
        "first - 1": replace(proof, first_size=m - 1),
        "first + 1": replace(proof, first_size=m + 1),
        "second * 2": replace(proof, second_size=n * 2),
        "second / 2": replace(proof, second_size=n // 2),
        "empty path": replace(proof, path=()),
        "appended element": replace(proof, path=(*path, ROOTS[n])),
        "prepended element": replace(proof, path=(ROOTS[m], *path)),
        "repeated first element": replace(proof, path=(path[0], *path)),
    }
    # The second size is not fully used: the proof claims a larger tree than its path covers.
    # (A larger size whose proof has the same shape is indistinguishable without its root.)
    for larger in range(n + 1, min(2 * n, MAX_SIZE) + 1):
        if len(merkle.consistency_proof(LEAVES, m, larger).path) != len(path):
            mutations[f"second size {larger}"] = replace(proof, second_size=larger)
    for k in range(len(path)):
        mutations[f"removed element {k}"] = replace(proof, path=path[:k] + path[k + 1 :])
        for bit in (0, 100, 255):
            flipped = (*path[:k], _flip(path[k], bit), *path[k + 1 :])
            mutations[f"bit {bit} flipped in element {k}"] = replace(proof, path=flipped)
    return mutations


def _roots_for(proof: ConsistencyProof) -> set[tuple[bytes, bytes]]:
    """The honest roots of the sizes a (mutated) proof claims, when they are in range."""
    first, second = proof.first_size, proof.second_size
    if 0 <= first <= MAX_SIZE and 0 <= second <= MAX_SIZE:
        return {(ROOTS[first], ROOTS[second])}
    return set()


@pytest.mark.parametrize("second", range(1, MAX_SIZE + 1))
def test_every_consistency_proof_verifies_and_no_mutation_does(second: int) -> None:
    for first in range(second + 1):
        proof = merkle.consistency_proof(LEAVES, first, second)
        if 0 < first < second:
            assert list(proof.path) == _naive_subproof(first, DATA[:second], True)
        else:
            assert proof.path == ()
        assert merkle.verify_consistency(proof, ROOTS[first], ROOTS[second])
        if first == second or first == 0:
            continue  # trivially consistent: nothing in the proof to mutate
        assert not merkle.verify_consistency(proof, ROOTS[second], ROOTS[first]), "swapped roots"
        assert not merkle.verify_consistency(proof, _flip(ROOTS[first], 3), ROOTS[second])
        assert not merkle.verify_consistency(proof, ROOTS[first], _flip(ROOTS[second], 3))
        for name, bad in _consistency_mutations(proof).items():
            for roots in {*_roots_for(bad), (ROOTS[first], ROOTS[second])}:
                assert not merkle.verify_consistency(bad, *roots), (
                    f"{first} -> {second}: {name} verified"
                )


def test_trivial_consistency() -> None:
    assert merkle.verify_consistency(ConsistencyProof(0, 5, ()), merkle.EMPTY_ROOT, ROOTS[5])
    assert merkle.verify_consistency(ConsistencyProof(5, 5, ()), ROOTS[5], ROOTS[5])
    assert not merkle.verify_consistency(ConsistencyProof(5, 5, ()), ROOTS[5], ROOTS[6])
    assert not merkle.verify_consistency(ConsistencyProof(5, 5, (ROOTS[5],)), ROOTS[5], ROOTS[5])
    assert not merkle.verify_consistency(ConsistencyProof(0, 5, (ROOTS[5],)), ROOTS[0], ROOTS[5])
    assert not merkle.verify_consistency(ConsistencyProof(6, 5, ()), ROOTS[6], ROOTS[5])
    with pytest.raises(ValueError, match="no consistency proof"):
        merkle.consistency_proof(LEAVES[:4], 2, 5)


def test_a_changed_leaf_breaks_consistency_with_an_earlier_head() -> None:
    tampered = list(LEAVES[:20])
    tampered[3] = merkle.leaf_hash(b"rewritten")
    proof = merkle.consistency_proof(tampered, 10, 20)
    assert not merkle.verify_consistency(proof, ROOTS[10], merkle.root_hash(tampered))
