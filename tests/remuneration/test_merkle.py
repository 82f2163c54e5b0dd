"""RFC 9162 Merkle trees: the Certificate Transparency reference roots and proofs, and agreement with
a plain transcription of the RFC's recursive definitions on random trees."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.remuneration.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_from_path,
    verify_inclusion,
)

# The reference leaves and tree heads of Certificate Transparency's test data (the C++ log's
# merkle_tree_test, carried into certificate-transparency-go and transparency-dev/merkle).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PATHS = {
    0: [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    5: [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH, word for word."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = _split(len(leaves))
    return hashlib.sha256(b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:])).digest()


def reference_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]), word for word."""
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if m < k:
        return [*reference_path(m, leaves[:k]), reference_root(leaves[k:])]
    return [*reference_path(m - k, leaves[k:]), reference_root(leaves[:k])]


def test_the_certificate_transparency_reference_roots() -> None:
    assert (
        MerkleTree([]).root
        == EMPTY_ROOT
        == bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    )
    for n in range(1, 9):
        assert MerkleTree(CT_LEAVES[:n]).root.hex() == CT_ROOTS[n - 1], n


@pytest.mark.parametrize("index", sorted(CT_PATHS))
def test_the_certificate_transparency_reference_audit_paths(index: int) -> None:
    tree = MerkleTree(CT_LEAVES)
    assert [p.hex() for p in tree.audit_path(index)] == CT_PATHS[index]
    path = [bytes.fromhex(p) for p in CT_PATHS[index]]
    assert verify_inclusion(CT_LEAVES[index], index, 8, path, bytes.fromhex(CT_ROOTS[7]))


leaves_strategy = st.lists(st.binary(max_size=12), min_size=1, max_size=200)


@settings(max_examples=60, deadline=None)
@given(leaves_strategy)
def test_the_tree_is_the_rfcs_and_every_leaf_proves_its_inclusion(leaves: list[bytes]) -> None:
    tree = MerkleTree(leaves)
    assert tree.root == reference_root(leaves)
    for i, leaf in enumerate(leaves):
        path = tree.audit_path(i)
        assert path == reference_path(i, leaves)
        assert verify_inclusion(leaf, i, len(leaves), path, tree.root)


@settings(max_examples=60, deadline=None)
@given(leaves_strategy, st.data())
def test_a_changed_leaf_a_wrong_index_or_a_wrong_size_fails(leaves: list[bytes], data: st.DataObject) -> None:
    tree, n = MerkleTree(leaves), len(leaves)
    i = data.draw(st.integers(0, n - 1))
    leaf, path = leaves[i], tree.audit_path(i)
    changed = data.draw(st.binary(max_size=12).filter(lambda b: b != leaf))
    assert not verify_inclusion(changed, i, n, path, tree.root)
    # another index with the same leaf bytes would be another line: only a duplicate leaf may pass
    for j in {i - 1, i + 1, i ^ 1, n, -1} - {i}:
        assert not verify_inclusion(leaf, j, n, path, tree.root) or (0 <= j < n and leaves[j] == leaf)
    for m in {n - 1, n + 1, 2 * n} - {n}:
        # A size whose path for this index has another length fails. One with the same length may
        # hash the same way (leaf 0 of 3 and of 4): the root does not commit to the size, which is why
        # a statement's totals leaf does, and `statement.verify` checks the size against it.
        if i >= m or len(MerkleTree([b""] * m).audit_path(i)) != len(path):
            assert root_from_path(leaf, i, m, path) is None


def test_the_root_alone_does_not_commit_to_the_size() -> None:
    tree = MerkleTree(CT_LEAVES[:3])
    assert verify_inclusion(CT_LEAVES[0], 0, 4, tree.audit_path(0), tree.root)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=12), min_size=2, max_size=200), st.data())
def test_an_inner_node_presented_as_a_leaf_fails(leaves: list[bytes], data: st.DataObject) -> None:
    """The forgery the 0x00/0x01 prefixes prevent: claim `left ‖ right` of an inner node is a leaf,
    with the inner node's own audit path."""
    tree, n = MerkleTree(leaves), len(leaves)
    level = data.draw(st.integers(1, len(tree._levels) - 1))
    index = data.draw(st.integers(0, len(tree._levels[level]) - 1))
    below = tree._levels[level - 1]
    if 2 * index + 1 >= len(below):
        return  # carried up unpaired: this node is not made of two children
    forged = below[2 * index] + below[2 * index + 1]
    assert node_hash(below[2 * index], below[2 * index + 1]) == tree._levels[level][index]
    # the inner node's path is the path of its leftmost leaf without the lowest `level` siblings
    leftmost = index << level
    path = tree.audit_path(leftmost)[level:]
    for size in range(1, n + 1):
        for i in range(size):
            assert not verify_inclusion(forged, i, size, path, tree.root)


def test_a_path_of_the_wrong_length_fails() -> None:
    tree = MerkleTree(CT_LEAVES)
    path = tree.audit_path(3)
    assert root_from_path(CT_LEAVES[3], 3, 8, path[:-1]) is None
    assert root_from_path(CT_LEAVES[3], 3, 8, [*path, path[0]]) is None
    assert root_from_path(CT_LEAVES[0], 0, 1, []) == leaf_hash(CT_LEAVES[0])
    with pytest.raises(IndexError):
        tree.audit_path(8)
