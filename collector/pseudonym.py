"""Keyed pseudonyms (HMAC-SHA256 with `cryptography`); raw identifiers never leave here."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hmac


def keyed_hash(key: bytes, *parts: str, length: int = 32) -> str:
    mac = hmac.HMAC(key, hashes.SHA256())
    buf = bytearray()
    for part in parts:  # length-prefixed, so ("a", "b") and ("a\x1fb",) never collide
        raw = part.encode("utf-8", "surrogatepass")
        buf += len(raw).to_bytes(4, "big")
        buf += raw
    mac.update(bytes(buf))
    return mac.finalize().hex()[:length]


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
