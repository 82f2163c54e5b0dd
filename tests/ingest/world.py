"""A consumer group of ingesters over the in-memory broker, a shared state store and a warehouse
double, with a journal of the exactly-once protocol's steps and kill -9 at any of them.

Every ingester built here is a process of its own: its own broker member, loader (recent-id memory)
and buffers; the broker, the state store and the warehouse are shared, as in production.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from artaud.ingest.consumer import Ingester
from artaud.ingest.memory_broker import InMemoryBroker, InMemorySource, Message
from artaud.ingest.metrics import IngestMetrics
from artaud.ingest.source import BrokerError, TopicPartition
from artaud.ingest.state import InMemoryStateStore, RangeState
from artaud.warehouse.loader import ExactLoader
from tests.ingest.warehouse_double import SqliteWarehouse
from tests.warehouse.helpers import records

TOPIC = "artaud.events.v1"
GROUP = "artaud-ingesters"
POISON = b'{"event_id": "poison", "not": "an event"}'


def token(partition: int, first: int, last: int) -> str:
    return f"k:{TOPIC}:{partition}:{first}-{last}"


class Crash(BaseException):
    """kill -9 at a chosen step. Not an Exception: no handler of the code under test sees it."""


class CrashPlan:
    """Numbers the protocol's steps across every process (a step is journalled once it happened);
    the process taking step number n, or the step named so, for each n or name in `at`, dies right
    after it."""

    def __init__(self, at: Iterable[int | str] = ()) -> None:
        self.at = set(at)
        self.steps = 0
        self.journal: list[str] = []

    def step(self, what: str) -> None:
        self.steps += 1
        self.journal.append(what)
        if self.steps in self.at or what in self.at:
            self.at.discard(what)  # a named step kills once: the restarted process takes it again
            raise Crash(f"step {self.steps}: {what}")


class JournalledState:
    def __init__(self, inner: InMemoryStateStore, plan: CrashPlan) -> None:
        self.inner = inner
        self.plan = plan

    def get(self, topic: str, partition: int) -> RangeState | None:
        return self.inner.get(topic, partition)

    def set(self, topic: str, partition: int, state: RangeState) -> None:
        self.inner.set(topic, partition, state)
        self.plan.step(f"{state.status} {partition}:{state.first}-{state.last}")


class JournalledSource:
    """The member's source, journalling polls that returned records and commits."""

    def __init__(self, inner: InMemorySource, plan: CrashPlan) -> None:
        self.inner = inner
        self.plan = plan
        self.fail_commits = 0  # the next commits raise BrokerError, as Kafka's CommitFailedError

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def poll(self, timeout_ms: int, max_records: int | None = None) -> Mapping[TopicPartition, Sequence[Any]]:
        got = self.inner.poll(timeout_ms, max_records)
        if got:
            self.plan.step(
                "polled " + " ".join(f"{tp.partition}:{m[0].offset}-{m[-1].offset}" for tp, m in got.items())
            )
        return got

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        if self.fail_commits:
            self.fail_commits -= 1
            raise BrokerError("CommitFailedError (double)")
        self.inner.commit(offsets)
        self.plan.step("commit " + " ".join(f"{tp.partition}:{o}" for tp, o in offsets.items()))


class World:
    def __init__(
        self,
        partitions: int = 2,
        *,
        crash_at: Iterable[int | str] = (),
        warm_rows: int = 0,
        max_poll_records: int = 500,
        **settings: Any,
    ) -> None:
        self.broker = InMemoryBroker(max_poll_records)
        self.broker.create_topic(TOPIC, partitions)
        self.state = InMemoryStateStore()
        self.wh = SqliteWarehouse()
        self.plan = CrashPlan(crash_at)
        self.wh.after_insert = lambda tok: self.plan.step(f"insert {tok}")
        self.warm_rows = warm_rows  # 0: no recent-id memory, the batch tokens alone deduplicate
        self.settings = {"batch_rows": 10, "batch_seconds": 0.0, **settings}
        self.now = 1000.0
        self.letters: list[tuple[int, int, str]] = []
        # an event as the collector writes it, received now (so that a loader's warm-up sees it)
        self.template = orjson.loads(records(1, when=datetime.now(UTC))[0])

    def clock(self) -> float:
        return self.now

    # -- processes ----------------------------------------------------------------------
    def start(self, max_poll_records: int | None = None, **settings: Any) -> Ingester:
        """A new ingester process joining the group."""
        source = JournalledSource(self.broker.consumer(GROUP, max_poll_records), self.plan)
        ingester = Ingester(
            source,
            ExactLoader(self.wh, warm_rows=self.warm_rows),
            JournalledState(self.state, self.plan),
            TOPIC,
            self.dead_letter,
            metrics=IngestMetrics(),
            clock=self.clock,
            **{**self.settings, **settings},
        )
        ingester.subscribe()
        return ingester

    def crash(self, ingester: Ingester) -> None:
        self.broker.crash(ingester.consumer.inner)

    def dead_letter(self, msg: Any, reason: str) -> None:
        self.letters.append((msg.partition, msg.offset, reason))

    # -- the topic ------------------------------------------------------------------------
    def events(
        self, n: int, partition: int, prefix: str = "e", headers: Sequence[tuple[str, bytes]] = ()
    ) -> list[str]:
        """n events of cinema `partition + 1` on `partition`; returns their ids."""
        ids = [f"{prefix}{partition}-{i:08d}" for i in range(n)]
        for eid in ids:
            payload = orjson.dumps({**self.template, "event_id": eid, "cinema_id": partition + 1})
            self.broker.produce(TOPIC, payload, str(partition + 1).encode(), headers, partition=partition)
        return ids

    def poison(self, partition: int) -> Message:
        return self.broker.produce(TOPIC, POISON, b"1", partition=partition)

    def tp(self, partition: int) -> TopicPartition:
        return TopicPartition(TOPIC, partition)

    # -- progress ------------------------------------------------------------------------------
    def done(self) -> bool:
        """Every partition's records are inserted: committed, or in an inserted range a new owner
        seeks past (a crash between marking inserted and committing leaves the commit behind)."""
        for tp in self.broker.partitions(TOPIC):
            reached = self.broker.committed(GROUP, tp) or 0
            st = self.state.get(tp.topic, tp.partition)
            if st is not None and st.status == "inserted":
                reached = max(reached, st.last + 1)
            if reached < self.broker.end_offset(tp):
                return False
        return True

    def run(self, *ingesters: Ingester, rounds: int = 200) -> int:
        """Poll each ingester in turn until everything is inserted; returns the rounds it took."""
        for n in range(1, rounds + 1):
            for ingester in ingesters:
                ingester.poll_once(timeout_ms=0)
            if self.done():
                return n
        raise AssertionError(f"not done after {rounds} rounds: {self.plan.journal[-10:]}")
