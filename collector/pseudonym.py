"""Keyed pseudonyms (HMAC-SHA256); raw identifiers never leave here."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence


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


def exempt_visitor(salt: bytes, cinema_id: int, network: str, ua: str) -> str:
    """The exempt track's visitor: a keyed hash of the cinema, the /24 (/48) network and the user agent
    under the cinema's random salt of the day (collector/salts.py), so that it says nothing across
    cinemas nor across days once the salt is destroyed (the compliance file computes this)."""
    return "d." + keyed_hash(salt, str(cinema_id), network, ua, length=24)


class Pseudonymiser:
    """The pooled pseudonym of a first-party id under a versioned secret key.

    During a pooled-key rotation's grace period the older versions are still live (`older`): one
    person then has a pseudonym under each. A withdrawal suppresses every one of them
    (`all_pooled`), and each pooled hit tells the warehouse which older pseudonyms are the same
    person (`older_pooled`), so that the person counts once in every build and an erasure reaches
    them all. Once an older key is destroyed, nothing can compute its pseudonyms any more."""

    def __init__(self, key: bytes, version: int, older: Sequence[tuple[int, bytes]] = ()) -> None:
        if len(key) < 32 or any(len(k) < 32 for _, k in older):
            raise ValueError("pseudonymisation key must be at least 32 bytes")
        self._key = key
        self.version = version
        self._older = tuple((v, k) for v, k in older if v != version)

    def pooled(self, raw_id: str) -> str:
        return f"p{self.version}.{keyed_hash(self._key, 'visitor', raw_id)}"

    def older_pooled(self, raw_id: str) -> list[str]:
        """The same id's pseudonyms under the older live versions (empty outside a rotation)."""
        return [f"p{v}.{keyed_hash(k, 'visitor', raw_id)}" for v, k in self._older]

    def all_pooled(self, raw_id: str) -> list[str]:
        return [self.pooled(raw_id), *self.older_pooled(raw_id)]

    def value(self, scope: str, raw: str) -> str:
        """A keyed hash of another raw value (e.g. an order id) for the pooled track."""
        return keyed_hash(self._key, scope, raw, length=24)


class RefreshingPseudonymiser(Pseudonymiser):
    """A worker's pseudonymiser that follows the key ring: reloaded on schedule (`collector/refresh.py`),
    so a rotation made by the supervisor's job reaches every collector worker within `ttl`."""

    def __init__(self, loader: Callable[[], Pseudonymiser], ttl: float) -> None:
        from artaud.collector.refresh import Refreshing

        self._current = Refreshing(loader, ttl, "pooled keys", background=True)

    @property
    def version(self) -> int:  # type: ignore[override]
        return self._current.get().version

    def pooled(self, raw_id: str) -> str:
        return self._current.get().pooled(raw_id)

    def older_pooled(self, raw_id: str) -> list[str]:
        return self._current.get().older_pooled(raw_id)

    def all_pooled(self, raw_id: str) -> list[str]:
        return self._current.get().all_pooled(raw_id)

    def value(self, scope: str, raw: str) -> str:
        return self._current.get().value(scope, raw)
