"""The ingester: a Kafka consumer group member loading events into ClickHouse exactly once.

Per partition, following ClickHouse's Kafka Connect sink: before inserting a batch its offset range
is recorded as *pending* in a shared state store; the rows are inserted with the token
`k:<topic>:<partition>:<first>-<last>`; the range is then marked *inserted* and only then is the
offset committed. A partition (re)assigned with a pending range re-reads exactly that range and
inserts only the rows whose token is not in ClickHouse yet; with an inserted range ahead of the
committed offset, it seeks past it. Messages with the `replay` header are checked by event id.
Poison messages go to the dead-letter topic with their coordinates; when more than a set share of
recent messages is poison, the consumer stops. A failed insert pauses the partitions (bounded
memory) and retries with backoff.

The consumer is a `source.Source` (kafka-python's in production, `kafka_source.py`; an in-memory
broker in the unit tests) and the state store an `OffsetStateStore` (the control plane's database,
`sql_state.py`), so that this logic is tested without a broker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from artaud.errors import Unavailable
from artaud.ingest.metrics import IngestMetrics
from artaud.ingest.source import BrokerError, Record, Source, TopicPartition
from artaud.ingest.state import OffsetStateStore, RangeState
from artaud.transport.schema import PoisonMessage, decode_event
from artaud.warehouse.backend import WarehouseError
from artaud.warehouse.loader import ExactLoader

log = logging.getLogger("artaud.ingester")

DeadLetter = Callable[[Record, str], None]


class PoisonLimitExceeded(Unavailable):
    """Too many recent messages were poison: stop rather than dead-letter everything."""

    code = "poison_limit_exceeded"


class Ingester:
    def __init__(
        self,
        consumer: Source,
        loader: ExactLoader,
        state: OffsetStateStore,
        topic: str,
        dead_letter: DeadLetter,
        batch_rows: int = 20_000,
        batch_seconds: float = 1.0,
        poison_window: int = 200,
        max_poison_ratio: float = 0.5,
        metrics: IngestMetrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.consumer = consumer
        self.loader = loader
        self.state = state
        self.topic = topic
        self.dead_letter = dead_letter
        self.batch_rows = batch_rows
        self.batch_seconds = batch_seconds
        self.metrics = metrics or IngestMetrics()
        self.clock = clock  # batch ages and retry backoff; tests move it instead of sleeping
        self.buffers: dict[TopicPartition, list[Record]] = {}
        self.since: dict[TopicPartition, float] = {}
        self.recovering: dict[TopicPartition, RangeState] = {}
        self.dead_lettered: set[tuple[int, int]] = set()
        self.recent_poison: deque[bool] = deque(maxlen=poison_window)
        self.max_poison_ratio = max_poison_ratio
        self.paused = False
        self.retry_at = 0.0
        self.backoff = 0.5
        self.lag_at = 0.0
        # held while a batch goes pending -> inserted, and by the rebalance callbacks, so a partition
        # is never handed to another member while one of its batches is being inserted here
        self.lock = threading.Lock()

    # -- group membership -----------------------------------------------------
    def subscribe(self) -> None:
        self.consumer.subscribe(self.topic, self)

    # the rebalance listener: called by the source (on kafka-python's IO thread, so only local work
    # and the state store, never a blocking consumer call: kafka-python 3 forbids them there)
    def assigned(self, partitions: list[TopicPartition]) -> None:
        """Resume each partition where the state store says: a pending range is re-read exactly; after
        an inserted range, reading goes on past it (the committed offset is never ahead of it)."""
        log.info("assigned partitions %s", sorted(tp.partition for tp in partitions))
        with self.lock:
            for tp in partitions:
                self.buffers.pop(tp, None)
                self.since.pop(tp, None)
                self.recovering.pop(tp, None)
                st = self.state.get(tp.topic, tp.partition)
                if st is None:
                    continue
                if st.status == "pending":
                    log.info("partition %d: re-reading pending range %d-%d", tp.partition, st.first, st.last)
                    self.consumer.seek(tp, st.first)
                    self.recovering[tp] = st
                else:
                    self.consumer.seek(tp, st.last + 1)
            if self.paused:
                self.consumer.pause(*partitions)

    def revoked(self, partitions: list[TopicPartition]) -> None:
        """Drop what was buffered but not inserted: the next owner reads it again from the committed
        offset or the state store. Waits for an insert in progress to finish first."""
        log.info("revoked partitions %s", sorted(tp.partition for tp in partitions))
        with self.lock:
            for tp in partitions:
                self.buffers.pop(tp, None)
                self.since.pop(tp, None)
                self.recovering.pop(tp, None)

    # -- the loop ---------------------------------------------------------------
    def buffered(self) -> int:
        return sum(len(b) for b in self.buffers.values())

    def poll_once(self, timeout_ms: int = 100) -> None:
        now = self.clock()
        if now < self.retry_at:
            self.consumer.poll(timeout_ms=timeout_ms)  # keeps group membership; partitions are paused
            return
        if self.paused and not self.buffered():
            # reading is paused only while a failed batch waits for its retry; a rebalance during the
            # wait revoked that batch (its next owner reads it again), so there is nothing to retry
            self._resume()
        # a pending range is re-read whole, even when it is longer than today's batch_rows (a restart
        # with a smaller setting): a buffer capped below it would never hold it, and the partition
        # would stall for good
        pending = sum(st.last - st.first + 1 for st in self.recovering.values())
        room = max(max(self.batch_rows, pending) - self.buffered(), 0)
        # never poll more than the buffers can take: records a poll returns are never dropped
        records = self.consumer.poll(timeout_ms=timeout_ms, max_records=room) if room else {}
        for tp, msgs in records.items():
            if msgs:
                self.buffers.setdefault(tp, []).extend(msgs)
                self.since.setdefault(tp, now)
        due = [
            tp
            for tp, b in self.buffers.items()
            if b
            and (self.buffered() >= self.batch_rows or now - self.since.get(tp, now) >= self.batch_seconds)
        ]
        if due:
            try:
                self.flush(due)
            except WarehouseError as exc:
                self.metrics.insert_failures.inc()
                log.error("insert failed; pausing partitions, retry in %.1fs: %s", self.backoff, exc)
                self._pause()
                self.retry_at = self.clock() + self.backoff
                self.backoff = min(self.backoff * 2, 30.0)
                return
            self.backoff = 0.5
            if self.paused:
                self._resume()
        if now - self.lag_at > 5:
            self.lag_at = now
            self.update_lag()

    def _pause(self) -> None:
        parts = list(self.consumer.assignment())
        if parts:
            self.consumer.pause(*parts)
        self.paused = True

    def _resume(self) -> None:
        parts = list(self.consumer.assignment())
        if parts:
            self.consumer.resume(*parts)
        self.paused = False

    def update_lag(self) -> None:
        try:
            parts = list(self.consumer.assignment())
            if not parts:
                return
            ends = self.consumer.end_offsets(parts)
            for tp in parts:
                pos = self.consumer.position(tp)
                self.metrics.lag.labels(str(tp.partition)).set(max(0, ends[tp] - pos))
        except BrokerError:
            log.debug("lag not available now", exc_info=True)

    # -- batches ----------------------------------------------------------------
    def flush(self, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            with self.lock:
                committed = self._flush_one(tp)
            if committed is not None:
                try:  # outside the lock: a commit needs the IO thread, which may be in a callback
                    self.consumer.commit({tp: committed})
                except BrokerError as exc:  # the state store says "inserted": a new owner seeks past it
                    log.warning("offset commit for partition %d failed: %s", tp.partition, exc)

    def _flush_one(self, tp: TopicPartition) -> int | None:
        """Insert the partition's next batch; returns the offset to commit, or None."""
        msgs = self.buffers.get(tp, [])
        if not msgs:
            return None
        st = self.recovering.get(tp)
        if st is not None:
            batch = [m for m in msgs if m.offset <= st.last]
            if not batch or batch[-1].offset < st.last:
                return None  # the rest of the pending range is still to be fetched
            first, last, recovered = st.first, st.last, True
        else:
            batch = msgs
            first, last, recovered = msgs[0].offset, msgs[-1].offset, False
            st = RangeState(first, last, "pending")
            self.state.set(tp.topic, tp.partition, st)
            self.recovering[tp] = st  # a failed insert is retried as a recovered batch
        rows, replayed, consents, suppressions, links = [], [], [], [], []
        for m in batch:
            try:
                row = decode_event(m.value)
            except PoisonMessage as exc:
                self._poison(tp, m, str(exc))
                continue
            self.recent_poison.append(False)
            if row.get("_t") == "consent":
                consents.append(row)
                continue
            if row.get("_t") == "suppression":
                suppressions.append(row)
                continue
            if row.get("_t") == "link":
                links.append(row)
                continue
            rows.append(row)
            if any(k == "replay" for k, _ in (m.headers or [])):
                replayed.append(row)
        token = f"k:{tp.topic}:{tp.partition}:{first}-{last}"
        t0 = time.perf_counter()
        dup_before = self.loader.stats.duplicates
        inserted = self.loader.load(
            rows,
            token,
            recovered=recovered,
            maybe_replayed=replayed,
            consents=consents,
            suppressions=suppressions,
            links=links,
        )
        self.metrics.insert_seconds.observe(time.perf_counter() - t0)
        self.metrics.rows.inc(inserted)
        self.metrics.duplicates.inc(self.loader.stats.duplicates - dup_before)
        self.metrics.batches.inc()
        self.metrics.batch_size.observe(inserted)
        self.state.set(tp.topic, tp.partition, RangeState(first, last, "inserted"))
        del self.recovering[tp]
        self.buffers[tp] = msgs[len(batch) :]
        self.since[tp] = self.clock()
        if not self.buffers[tp]:
            self.since.pop(tp, None)
        self.dead_lettered = {c for c in self.dead_lettered if c[0] != tp.partition}
        return last + 1

    def _poison(self, tp: TopicPartition, msg: Record, reason: str) -> None:
        coords = (tp.partition, msg.offset)
        if coords not in self.dead_lettered:
            self.dead_letter(msg, reason)
            self.dead_lettered.add(coords)
            self.metrics.dead_letters.inc()
            log.warning("poison message at partition %d offset %d: %s", tp.partition, msg.offset, reason)
        self.recent_poison.append(True)
        window = self.recent_poison
        if len(window) == window.maxlen and sum(window) / len(window) > self.max_poison_ratio:
            raise PoisonLimitExceeded(
                f"{sum(window)} of the last {len(window)} messages were poison; stopping the consumer"
            )

    def close(self) -> None:
        try:
            self.flush([tp for tp, b in self.buffers.items() if b])
        except (WarehouseError, BrokerError) as exc:
            log.warning("final flush failed (pending ranges are recovered at the next start): %s", exc)
        self.consumer.close()


def dead_letter_producer(producer: Any, topic: str) -> DeadLetter:
    """Send a poison message, with its coordinates and the reason, and wait for the broker."""

    def send(msg: Record, reason: str) -> None:
        headers = [
            ("source_topic", msg.topic.encode()),
            ("source_partition", str(msg.partition).encode()),
            ("source_offset", str(msg.offset).encode()),
            ("error", reason.encode()[:500]),
        ]
        producer.send(topic, value=msg.value, key=msg.key, headers=headers).get(timeout=10)

    return send
