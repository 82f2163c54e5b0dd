"""An in-memory Kafka for the ingester's unit tests: the `Source` interface without a broker.

Partitions are lists; a consumer group has members, an assignment and committed offsets. It behaves
like Kafka where the ingester's exactly-once logic depends on it:

- eager rebalances: when a member joins, leaves or crashes, every member's partitions are revoked
  (each during its own next poll, as kafka-python does) before any is assigned again, and nothing
  is fetched in between; partitions are split in ranges over the members in the order they joined;
- a newly assigned partition is read from the group's committed offset, else from the beginning
  (`auto_offset_reset="earliest"`), unless the listener seeks;
- a commit is refused (BrokerError) once the partition has been revoked from the member;
- a paused partition returns nothing;
- `crash(member)` is kill -9: no callback, no commit; the others take its partitions over, as after
  its session timed out.

Single-threaded: tests drive each member in turn, and a poll never waits.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field

from artaud.ingest.source import BrokerError, RebalanceListener, Record, Source, TopicPartition


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


class MemberGone(RuntimeError):
    """A call on a member that crashed or closed: a mistake in the test, not a broker failure."""


@dataclass
class _Group:
    topic: str = ""
    members: list[InMemorySource] = field(default_factory=list)
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    rebalancing: bool = False


class InMemoryBroker:
    def __init__(self, max_poll_records: int = 500) -> None:
        self.logs: dict[str, list[list[Message]]] = {}
        self.groups: dict[str, _Group] = {}
        self.max_poll_records = max_poll_records
        self._next_member = 0

    # -- topics -------------------------------------------------------------------
    def create_topic(self, topic: str, partitions: int) -> None:
        self.logs.setdefault(topic, [[] for _ in range(partitions)])

    def produce(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None = None,
        headers: Sequence[tuple[str, bytes]] = (),
        partition: int | None = None,
    ) -> Message:
        """Append a message: to `partition`, else by its key's hash (one key, one partition, as the
        collector's cinema key relies on), else to partition 0."""
        log = self.logs[topic]
        if partition is None:
            partition = zlib.crc32(key) % len(log) if key is not None else 0
        msg = Message(topic, partition, len(log[partition]), key, value, tuple(headers))
        log[partition].append(msg)
        return msg

    def partitions(self, topic: str) -> list[TopicPartition]:
        return [TopicPartition(topic, p) for p in range(len(self.logs[topic]))]

    def end_offset(self, tp: TopicPartition) -> int:
        return len(self.logs[tp.topic][tp.partition])

    def committed(self, group: str, tp: TopicPartition) -> int | None:
        g = self.groups.get(group)
        return None if g is None else g.committed.get(tp)

    # -- group membership ---------------------------------------------------------------
    def consumer(self, group: str, max_poll_records: int | None = None) -> InMemorySource:
        self._next_member += 1
        return InMemorySource(self, group, self._next_member, max_poll_records or self.max_poll_records)

    def crash(self, member: InMemorySource) -> None:
        """kill -9 of the member's process: it leaves without a callback or a commit."""
        self._leave(member)

    def rebalance(self, group: str) -> None:
        """A new generation with the same members (as after a topic's metadata changed)."""
        self._start_rebalance(self.groups[group])

    def owner(self, group: str, tp: TopicPartition) -> InMemorySource | None:
        for m in self.groups[group].members:
            if tp in m.owned:
                return m
        return None

    def _join(self, member: InMemorySource, topic: str) -> None:
        if topic not in self.logs:
            raise ValueError(f"no topic {topic}")
        g = self.groups.setdefault(member.group, _Group(topic))
        if g.topic != topic:
            raise ValueError("the members of a group read one topic")
        g.members.append(member)
        self._start_rebalance(g)

    def _leave(self, member: InMemorySource) -> None:
        member.alive = False
        g = self.groups.get(member.group)
        if g is None or member not in g.members:
            return
        g.members.remove(member)
        member.owned = set()
        if g.members:
            self._start_rebalance(g)
        else:
            g.rebalancing = False

    def _start_rebalance(self, g: _Group) -> None:
        g.rebalancing = True
        for m in g.members:
            m.must_rejoin = True
            m.new_assignment = None

    def _rejoined(self, g: _Group) -> None:
        """Called when a member has revoked: once all have, the range assignment is handed out."""
        if any(m.must_rejoin for m in g.members):
            return
        parts = self.partitions(g.topic)
        n, k = len(parts), len(g.members)
        start = 0
        for i, m in enumerate(g.members):  # in joining order, like member ids
            size = n // k + (1 if i < n % k else 0)
            m.new_assignment = parts[start : start + size]
            start += size
        g.rebalancing = False


class InMemorySource(Source):
    def __init__(self, broker: InMemoryBroker, group: str, member_id: int, max_poll_records: int) -> None:
        self.broker = broker
        self.group = group
        self.member_id = member_id
        self.max_poll_records = max_poll_records
        self.listener: RebalanceListener | None = None
        self.alive = True
        self.must_rejoin = False
        self.new_assignment: list[TopicPartition] | None = None
        self.owned: set[TopicPartition] = set()
        self.positions: dict[TopicPartition, int] = {}
        self.paused_partitions: set[TopicPartition] = set()
        self.polls = 0

    def __repr__(self) -> str:
        return f"<member {self.member_id} of {self.group}>"

    def _check(self) -> None:
        if not self.alive:
            raise MemberGone(f"{self!r} crashed or closed")

    def _owned(self, tp: TopicPartition) -> None:
        if tp not in self.owned:
            raise BrokerError(f"{tp} is not assigned to {self!r}")

    def subscribe(self, topic: str, listener: RebalanceListener) -> None:
        self._check()
        self.listener = listener
        self.broker._join(self, topic)

    def poll(
        self, timeout_ms: int, max_records: int | None = None
    ) -> Mapping[TopicPartition, Sequence[Record]]:
        self._check()
        assert self.listener is not None, "subscribe first"
        self.polls += 1
        g = self.broker.groups[self.group]
        if self.must_rejoin:
            revoked = sorted(self.owned)
            self.owned, self.positions, self.paused_partitions = set(), {}, set()
            self.must_rejoin = False
            self.listener.revoked(revoked)
            self.broker._rejoined(g)
        if self.new_assignment is not None:
            self.owned = set(self.new_assignment)
            self.positions = {tp: g.committed.get(tp, 0) for tp in self.new_assignment}
            assigned, self.new_assignment = self.new_assignment, None
            self.listener.assigned(assigned)
        if g.rebalancing or self.must_rejoin:
            return {}  # joining: nothing is fetched until the group has a new assignment
        room = self.max_poll_records if max_records is None else min(max_records, self.max_poll_records)
        out: dict[TopicPartition, Sequence[Record]] = {}
        parts = sorted(self.owned - self.paused_partitions)
        if parts:  # start each poll at another partition, so none starves
            k = self.polls % len(parts)
            parts = parts[k:] + parts[:k]
        for tp in parts:
            if room <= 0:
                break
            pos = self.positions[tp]
            got = self.broker.logs[tp.topic][tp.partition][pos : pos + room]
            if got:
                out[tp] = got
                self.positions[tp] = pos + len(got)
                room -= len(got)
        return out

    def assignment(self) -> Set[TopicPartition]:
        self._check()
        return frozenset(self.owned)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self._check()
        self._owned(partition)
        self.positions[partition] = offset

    def pause(self, *partitions: TopicPartition) -> None:
        self._check()
        for tp in partitions:
            self._owned(tp)
        self.paused_partitions.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self._check()
        for tp in partitions:
            self._owned(tp)
        self.paused_partitions.difference_update(partitions)

    def paused(self) -> Set[TopicPartition]:
        return frozenset(self.paused_partitions)

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        self._check()
        for tp in offsets:
            self._owned(tp)  # revoked: Kafka answers CommitFailedError
        self.broker.groups[self.group].committed.update(offsets)

    def end_offsets(self, partitions: Sequence[TopicPartition]) -> Mapping[TopicPartition, int]:
        self._check()
        return {tp: self.broker.end_offset(tp) for tp in partitions}

    def position(self, partition: TopicPartition) -> int:
        self._check()
        self._owned(partition)
        return self.positions[partition]

    def close(self) -> None:
        """Leave the group; the listener hears of the revocation first, as with kafka-python 3."""
        self._check()
        if self.owned and self.listener is not None:
            self.listener.revoked(sorted(self.owned))
        self.broker._leave(self)
