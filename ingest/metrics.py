"""Ingester metrics (Prometheus): lag, batch sizes, insert latency, dead letters."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.rows = Counter("artaud_ingest_rows", "Rows inserted into ClickHouse", registry=r)
        self.duplicates = Counter(
            "artaud_ingest_duplicates", "Messages already stored (replays, retries)", registry=r
        )
        self.batches = Counter("artaud_ingest_batches", "Batches inserted", registry=r)
        self.dead_letters = Counter(
            "artaud_ingest_dead_letters", "Poison messages sent to the dead-letter topic", registry=r
        )
        self.insert_failures = Counter(
            "artaud_ingest_insert_failures", "Failed inserts (retried)", registry=r
        )
        self.batch_size = Histogram(
            "artaud_ingest_batch_rows",
            "Rows per insert",
            registry=r,
            buckets=(10, 100, 1000, 5000, 10000, 20000, 50000, 100000),
        )
        self.insert_seconds = Histogram(
            "artaud_ingest_insert_seconds",
            "Insert latency",
            registry=r,
            buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.lag = Gauge(
            "artaud_ingest_lag", "Messages behind the end of each partition", ["partition"], registry=r
        )
