"""The Merkle tree of RFC 9162 §2.1 (Certificate Transparency v2, same hashing as RFC 6962), SHA-256.

A campaign's statements are leaves of one such tree; the SCARE publishes its root, and each cinema gets
its leaf's audit path, so it can check its line against the root without seeing any other line. The
hashing is the RFC's to the byte (leaf = SHA-256(0x00 ‖ leaf), node = SHA-256(0x01 ‖ left ‖ right),
split at the largest power of two below n) so that any CT library, or a dozen lines of any language,
checks our proofs; and because of the distinct prefixes an inner node's two children can never pass
for a leaf. IO-free.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


class MerkleTree:
    """The tree over a list of leaves (byte strings), kept level by level for the audit paths.

    Levels are built bottom-up, pairing neighbours and carrying a level's last node up unpaired when
    the level is odd: this gives exactly the RFC's tree (split at the largest power of two < n), and
    every audit path in O(log n) instead of one O(n) recursion per cinema.
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        level = [leaf_hash(leaf) for leaf in leaves]
        self.size = len(level)
        self._levels = [level]
        while len(level) > 1:
            paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            level = paired + level[-1:] if len(level) % 2 else paired
            self._levels.append(level)

    @property
    def root(self) -> bytes:
        return self._levels[-1][0] if self.size else EMPTY_ROOT

    def audit_path(self, index: int) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[n]): the siblings from the leaf up, nearest first."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} of a tree of {self.size}")
        path = []
        for level in self._levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):  # else this node is carried up unpaired: nothing to prove here
                path.append(level[sibling])
            index //= 2
        return path


def root_from_path(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root a leaf and its audit path lead to, by RFC 9162 §2.1.3.2; None when the path cannot be
    one of a tree of this size (too long or too short for the index), whatever the hashes."""
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for p in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            # a right edge node has no sibling on the levels where it is carried up unpaired
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    return root_from_path(leaf, index, size, path) == root
