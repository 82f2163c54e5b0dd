"""The partners' registered sync URLs with each partner's current pseudonym key, as the collector
sees them (one consistent copy per request)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from artaud.collector.idsync import SyncPartner
from artaud.collector.refresh import Refreshing

Entries = tuple[tuple[SyncPartner, bytes], ...]


class SyncDirectory(Protocol):
    def entries(self) -> Entries: ...


class StaticSyncs:
    def __init__(self, entries: Iterable[tuple[SyncPartner, bytes]] = ()) -> None:
        self._entries = tuple(entries)

    def entries(self) -> Entries:
        return self._entries


class RefreshingSyncs:
    """Reloaded from the control plane and the key ring every `ttl` seconds."""

    def __init__(self, loader: Callable[[], Iterable[tuple[SyncPartner, bytes]]], ttl: float) -> None:
        self._current = Refreshing(lambda: tuple(loader()), ttl, "partner sync directory", background=True)

    def entries(self) -> Entries:
        return self._current.get()
