"""The ingester's `Source` over kafka-python's KafkaConsumer.

kafka-python wants its own TopicPartition (it checks the type) and raises KafkaError; the ingester
speaks `source.TopicPartition` and `BrokerError`. The translation happens here and only here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from typing import Any

from kafka.consumer.subscription_state import AsyncConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata
from kafka.structs import TopicPartition as KafkaPartition

from artaud.ingest.source import BrokerError, RebalanceListener, Record, Source, TopicPartition


@contextmanager
def _broker() -> Iterator[None]:
    try:
        yield
    except KafkaError as exc:
        raise BrokerError(str(exc)) from exc


def _ours(partitions: Any) -> list[TopicPartition]:
    return [TopicPartition(tp.topic, tp.partition) for tp in partitions]


def _theirs(partition: TopicPartition) -> Any:
    return KafkaPartition(partition.topic, partition.partition)


class _Listener(AsyncConsumerRebalanceListener):  # type: ignore[misc]
    """Runs on kafka-python's IO thread: only local work and the state store, never a blocking
    consumer call (kafka-python 3 forbids them there)."""

    def __init__(self, listener: RebalanceListener) -> None:
        self.listener = listener

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self.listener.revoked(_ours(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.listener.assigned(_ours(assigned))


class KafkaSource(Source):
    """Wraps a KafkaConsumer built with a group id and `enable_auto_commit=False`."""

    def __init__(self, consumer: Any) -> None:
        self.consumer = consumer

    def subscribe(self, topic: str, listener: RebalanceListener) -> None:
        self.consumer.subscribe([topic], listener=_Listener(listener))

    def poll(
        self, timeout_ms: int, max_records: int | None = None
    ) -> Mapping[TopicPartition, Sequence[Record]]:
        with _broker():
            records = self.consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        # ConsumerRecord has the fields of `Record`: passed through as they are
        return {TopicPartition(tp.topic, tp.partition): msgs for tp, msgs in records.items()}

    def assignment(self) -> Set[TopicPartition]:
        return frozenset(_ours(self.consumer.assignment()))

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.consumer.seek(_theirs(partition), offset)

    def pause(self, *partitions: TopicPartition) -> None:
        self.consumer.pause(*(_theirs(tp) for tp in partitions))

    def resume(self, *partitions: TopicPartition) -> None:
        self.consumer.resume(*(_theirs(tp) for tp in partitions))

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        with _broker():
            self.consumer.commit({_theirs(tp): OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})

    def end_offsets(self, partitions: Sequence[TopicPartition]) -> Mapping[TopicPartition, int]:
        with _broker():
            ends = self.consumer.end_offsets([_theirs(tp) for tp in partitions])
        return {TopicPartition(tp.topic, tp.partition): int(o) for tp, o in ends.items()}

    def position(self, partition: TopicPartition) -> int:
        with _broker():
            return int(self.consumer.position(_theirs(partition)))

    def close(self) -> None:
        # offsets are committed only after their range is inserted, never on the way out
        self.consumer.close(autocommit=False)
