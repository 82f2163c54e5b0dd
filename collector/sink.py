"""The event sink interface: where accepted events go (the spool; Kafka in production)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol


class SinkFull(Exception):
    """The sink cannot take more now; the collector answers 503 and counts it."""


class EventSink(Protocol):
    def append(self, records: Sequence[bytes]) -> None:
        """Durably accept encoded events (all or none) or raise SinkFull."""

    def healthy(self) -> bool: ...

    def health(self) -> str:
        """ "ok", or why not: "spool_full", "disk_error", "drain_stalled", "closed"."""
        ...

    def close(self) -> None: ...


class InMemorySink:
    """A sink for unit tests: keeps records in a list; can be told to refuse."""

    def __init__(self, capacity: int | None = None) -> None:
        self.records: list[bytes] = []
        self.capacity = capacity
        self._lock = threading.Lock()

    def append(self, records: Sequence[bytes]) -> None:
        with self._lock:
            if self.capacity is not None and len(self.records) + len(records) > self.capacity:
                raise SinkFull("in-memory sink is full")
            self.records.extend(records)

    def healthy(self) -> bool:
        return self.capacity is None or len(self.records) < self.capacity

    def health(self) -> str:
        return "ok" if self.healthy() else "spool_full"

    def close(self) -> None:
        pass
