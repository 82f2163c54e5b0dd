"""What the ingester needs from a Kafka consumer-group member, and nothing more.

The ingester's exactly-once logic is written against this interface so that it can be tested without
a broker (`memory_broker.py`, for tests: partitions as lists, a group, committed offsets, rebalances
and crashes on demand) and run against Kafka (`kafka_source.py`, kafka-python's KafkaConsumer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from typing import NamedTuple, Protocol


class TopicPartition(NamedTuple):
    """A partition of a topic. A NamedTuple, like kafka-python's: the two compare and hash alike."""

    topic: str
    partition: int


class Record(Protocol):
    """One message as polled (kafka-python's ConsumerRecord has these fields and more)."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes | None: ...

    @property
    def headers(self) -> Sequence[tuple[str, bytes]] | None: ...


class BrokerError(Exception):
    """The broker refused or could not answer a call (a commit after the group moved on, a timeout).
    The ingester survives these where it can: its state store, not the committed offset, is the
    truth about what was inserted."""


class RebalanceListener(Protocol):
    """Told when the group moves partitions. `revoked` comes before the partitions are handed to
    another member, and every member's `revoked` before any member's `assigned` (eager rebalance).
    kafka-python calls these on its IO thread: they may `seek` and `pause` (local to the consumer),
    never make a call that waits on the broker (kafka-python 3 forbids it there)."""

    def revoked(self, partitions: list[TopicPartition]) -> None: ...

    def assigned(self, partitions: list[TopicPartition]) -> None: ...


class Source(Protocol):
    """A member of a consumer group reading one topic, offsets committed only when told (no
    auto-commit), a new partition read from its committed offset or else from the beginning."""

    def subscribe(self, topic: str, listener: RebalanceListener) -> None:
        """Join the group; partitions come through `listener` during later polls."""

    def poll(
        self, timeout_ms: int, max_records: int | None = None
    ) -> Mapping[TopicPartition, Sequence[Record]]:
        """The next records of the assigned, unpaused partitions, in offset order per partition;
        also what keeps the member in its group."""
        ...

    def assignment(self) -> Set[TopicPartition]: ...

    def seek(self, partition: TopicPartition, offset: int) -> None:
        """The next poll returns `partition` from `offset`."""

    def pause(self, *partitions: TopicPartition) -> None:
        """Stop fetching these partitions (the member stays in its group)."""

    def resume(self, *partitions: TopicPartition) -> None: ...

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Commit, synchronously, the offset of the next record to read; raises BrokerError."""

    def end_offsets(self, partitions: Sequence[TopicPartition]) -> Mapping[TopicPartition, int]:
        """The offset the next message of each partition will get; raises BrokerError."""
        ...

    def position(self, partition: TopicPartition) -> int:
        """The offset of the next record a poll returns; raises BrokerError."""
        ...

    def close(self) -> None:
        """Leave the group without committing anything."""
