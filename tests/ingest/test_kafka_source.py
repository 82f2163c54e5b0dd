"""The Kafka adapter translates types and errors both ways (against a stand-in for KafkaConsumer;
the real broker is in tests/integration/test_kafka_pipeline.py)."""

from __future__ import annotations

import asyncio

import pytest
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaTimeoutError
from kafka.structs import OffsetAndMetadata
from kafka.structs import TopicPartition as KafkaPartition

from artaud.ingest.kafka_source import KafkaSource
from artaud.ingest.source import BrokerError, TopicPartition

TP = TopicPartition("t", 1)
KTP = KafkaPartition("t", 1)


class FakeConsumer:
    """Records calls; checks the partitions are kafka-python's own type, as KafkaConsumer does."""

    def __init__(self) -> None:
        self.calls: list = []
        self.fail: Exception | None = None

    def _call(self, name, *args, **kwargs):
        for a in args:
            for tp in a if isinstance(a, list | dict) else [a]:
                if isinstance(tp, tuple):
                    assert type(tp) is KafkaPartition, (name, tp)
        self.calls.append((name, args, kwargs))
        if self.fail is not None:
            raise self.fail

    def subscribe(self, topics, listener):
        self.calls.append(("subscribe", topics, listener))

    def poll(self, timeout_ms, max_records):
        self._call("poll", timeout_ms=timeout_ms, max_records=max_records)
        rec = ConsumerRecord("t", 1, 0, 7, 0, 0, b"k", b"v", [("replay", b"x")], None, 1, 1, 3)
        return {KTP: [rec]}

    def assignment(self):
        return {KTP}

    def seek(self, tp, offset):
        self._call("seek", tp, offset)

    def pause(self, *tps):
        self._call("pause", *tps)

    def resume(self, *tps):
        self._call("resume", *tps)

    def commit(self, offsets):
        self._call("commit", offsets)

    def end_offsets(self, tps):
        self._call("end_offsets", tps)
        return {KTP: 12}

    def position(self, tp):
        self._call("position", tp)
        return 9

    def close(self, autocommit=True):
        self._call("close", autocommit=autocommit)


def test_calls_reach_kafka_python_with_its_own_types():
    fake = FakeConsumer()
    src = KafkaSource(fake)
    [(tp, [rec])] = src.poll(100, max_records=5).items()
    assert type(tp) is TopicPartition and tp == TP
    assert (rec.topic, rec.partition, rec.offset, rec.key, rec.value, rec.headers) == (
        "t",
        1,
        7,
        b"k",
        b"v",
        [("replay", b"x")],
    )
    assert src.assignment() == {TP}
    src.seek(TP, 4)
    src.pause(TP)
    src.resume(TP)
    src.commit({TP: 8})
    assert src.end_offsets([TP]) == {TP: 12} and src.position(TP) == 9
    src.close()
    names = [c[0] for c in fake.calls]
    assert names == ["poll", "seek", "pause", "resume", "commit", "end_offsets", "position", "close"]
    assert fake.calls[4][1] == ({KTP: OffsetAndMetadata(8, "", -1)},)
    assert fake.calls[-1][2] == {"autocommit": False}  # never commits on the way out


@pytest.mark.parametrize("call", ["commit", "end_offsets", "position", "poll"])
def test_kafka_errors_become_broker_errors(call):
    fake = FakeConsumer()
    fake.fail = CommitFailedError("rebalanced") if call == "commit" else KafkaTimeoutError("slow")
    src = KafkaSource(fake)
    args = {"commit": ({TP: 1},), "end_offsets": ([TP],), "position": (TP,), "poll": (0,)}[call]
    with pytest.raises(BrokerError):
        getattr(src, call)(*args)


def test_the_rebalance_listener_hears_our_partitions_from_kafka_python_s_io_thread():
    fake = FakeConsumer()
    heard: list = []

    class Listener:
        def revoked(self, partitions):
            heard.append(("revoked", partitions))

        def assigned(self, partitions):
            heard.append(("assigned", partitions))

    KafkaSource(fake).subscribe("t", Listener())
    [(_, topics, adapter)] = fake.calls
    assert topics == ["t"]
    asyncio.run(adapter.on_partitions_revoked({KTP}))  # kafka-python awaits an async listener
    asyncio.run(adapter.on_partitions_assigned({KTP}))
    assert heard == [("revoked", [TP]), ("assigned", [TP])]
    assert all(type(tp) is TopicPartition for _, tps in heard for tp in tps)
