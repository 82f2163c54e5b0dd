"""Collector counters (Prometheus). Labels are bounded: cinema is a CNC number or "unknown"."""

from __future__ import annotations

import os
from typing import Any, Literal

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from artaud.collector.hit import DropReason

Track = Literal["exempt", "pooled"]


class CollectorMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._accepted: dict[tuple[str, str], Any] = {}
        self.accepted = Counter(
            "artaud_hits_accepted",
            "Events accepted into the sink",
            ["cinema", "track"],
            registry=self.registry,
        )
        self.dropped = Counter(
            "artaud_hits_dropped",
            "Requests refused, by cinema and reason",
            ["cinema", "reason"],
            registry=self.registry,
        )
        self.bots = Counter(
            "artaud_hits_bot", "Accepted events flagged as bots", ["cinema"], registry=self.registry
        )
        self.withdrawals = Counter(
            "artaud_withdrawals",
            "Consent withdrawals received (their pseudonyms are suppressed)",
            ["cinema"],
            registry=self.registry,
        )

        self.limited = Counter(
            "artaud_ids_limited",
            "Pooled hits sent to the exempt track: too many new identifiers from one network in an hour",
            ["cinema"],
            registry=self.registry,
        )
        self.syncs = Counter(
            "artaud_partner_syncs",
            "Partner ID syncs handed to a partner's sync URL (consent covered that partner)",
            ["partner"],
            registry=self.registry,
        )

    def accept(self, cinema: str, track: Track, n: int = 1) -> None:
        child = self._accepted.get((cinema, track))
        if child is None:  # labels() costs more than the increment: keep the children
            child = self._accepted[(cinema, track)] = self.accepted.labels(cinema, track)
        child.inc(n)

    def drop(self, cinema: str, reason: DropReason) -> None:
        self.dropped.labels(cinema, reason).inc()

    def value(self, name: str, **labels: str) -> float:
        v = self.registry.get_sample_value(name, labels)
        return 0.0 if v is None else v

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            reg = CollectorRegistry()
            collector_cls: Any = MultiProcessCollector
            collector_cls(reg)
            return generate_latest(reg)
        return generate_latest(self.registry)
