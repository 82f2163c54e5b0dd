"""Keyed pseudonyms (HMAC-SHA256); raw identifiers never leave here."""

from __future__ import annotations

import hmac


def keyed_hash(key: bytes, *parts: str, length: int = 32) -> str:
    """HMAC-SHA256 of the length-prefixed parts (so ("a", "b") and ("a\x1fb",) never collide), hex,
    cut to `length`. The standard library's one-shot HMAC (OpenSSL underneath): on the hit path,
    building a `cryptography` HMAC object costs more than the hash; the values are the same."""
    buf = bytearray()
    for part in parts:
        raw = part.encode("utf-8", "surrogatepass")
        buf += len(raw).to_bytes(4, "big")
        buf += raw
    return hmac.digest(key, bytes(buf), "sha256").hex()[:length]


class Pseudonymiser:
    """The pooled pseudonym of a first-party id under a versioned secret key."""

    def __init__(self, key: bytes, version: int) -> None:
        if len(key) < 32:
            raise ValueError("pseudonymisation key must be at least 32 bytes")
        self._key = key
        self.version = version

    def pooled(self, raw_id: str) -> str:
        return f"p{self.version}.{keyed_hash(self._key, 'visitor', raw_id)}"

    def value(self, scope: str, raw: str) -> str:
        """A keyed hash of another raw value (e.g. an order id) for the pooled track."""
        return keyed_hash(self._key, scope, raw, length=24)
