"""Production mode, collector side: the spool forwarded to Kafka (idempotent producer, acks=all).

Every accepted hit is in the local spool first (so the collector never waits on the broker and keeps
accepting while the broker is down, until the bounded spool is full: then 503). This loop sends
spool batches to Kafka and moves the spool checkpoint only after the broker acknowledged every
message. A batch re-sent after a crash or a failed send carries the `replay` header.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kafka.errors import KafkaError

from artaud.spool.drain import DrainLoop
from artaud.spool.reader import Batch, SpoolReader
from artaud.transport.schema import SCHEMA_VERSION, message_key

log = logging.getLogger("artaud.forwarder")


def make_producer(bootstrap: str, max_block_ms: int, request_timeout_ms: int, linger_ms: int) -> Any:
    from kafka import KafkaProducer

    return KafkaProducer(
        bootstrap_servers=bootstrap.split(","),
        acks="all",
        enable_idempotence=True,
        linger_ms=linger_ms,
        max_block_ms=max_block_ms,
        request_timeout_ms=request_timeout_ms,
        batch_size=256 * 1024,
        compression_type="gzip",
        retries=5,
        max_in_flight_requests_per_connection=5,
    )


class KafkaForwarder(DrainLoop):
    retry_on = (KafkaError, OSError, TimeoutError)
    name = "kafka-forwarder"

    def __init__(
        self,
        reader: SpoolReader,
        producer_factory: Callable[[], Any],
        topic: str,
        batch_rows: int = 5000,
        batch_seconds: float = 0.05,
        flush_timeout: float = 10.0,
    ) -> None:
        super().__init__(reader, batch_rows, batch_seconds)
        self._factory = producer_factory
        self._producer: Any = None
        self.topic = topic
        self.flush_timeout = flush_timeout
        self.sent = 0
        self.replayed = 0

    def _get_producer(self) -> Any:
        if self._producer is None:
            self._producer = self._factory()
        return self._producer

    def deliver(self, batch: Batch) -> int:
        producer = self._get_producer()
        headers = [("schema", SCHEMA_VERSION)]
        if batch.recovered or batch.uncertain:  # the ingester checks these by event id
            headers.append(("replay", batch.token.encode()))
        try:
            futures = [
                producer.send(self.topic, value=p, key=message_key(p), headers=headers)
                for p in batch.payloads
            ]
            producer.flush(timeout=self.flush_timeout)
            for f in futures:
                f.get(timeout=0)
        except KafkaError:
            self._reset()
            raise
        self.sent += len(batch.payloads)
        if batch.recovered or batch.uncertain:
            self.replayed += len(batch.payloads)
        return len(batch.payloads)

    def _reset(self) -> None:
        """After a failure, start a fresh producer (a new idempotence session) for the retry."""
        if self._producer is not None:
            try:
                self._producer.close(timeout=1)
            except Exception:  # closing a broken producer must not hide the original error
                log.debug("closing the failed producer raised", exc_info=True)
            self._producer = None

    def stop(self, timeout: float = 30.0) -> None:
        super().stop(timeout)
        self._reset()
