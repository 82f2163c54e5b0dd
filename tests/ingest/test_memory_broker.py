"""The in-memory broker behaves like Kafka where the ingester relies on it."""

from __future__ import annotations

import pytest

from artaud.ingest.memory_broker import InMemoryBroker, MemberGone
from artaud.ingest.source import BrokerError, TopicPartition

T = "t"


class Listener:
    def __init__(self, name: str, calls: list) -> None:
        self.name, self.calls = name, calls

    def revoked(self, partitions):
        self.calls.append((self.name, "revoked", [tp.partition for tp in partitions]))

    def assigned(self, partitions):
        self.calls.append((self.name, "assigned", [tp.partition for tp in partitions]))


def tp(p: int) -> TopicPartition:
    return TopicPartition(T, p)


def offsets(polled) -> dict[int, list[int]]:
    return {tp.partition: [m.offset for m in msgs] for tp, msgs in polled.items()}


@pytest.fixture
def broker() -> InMemoryBroker:
    b = InMemoryBroker()
    b.create_topic(T, 4)
    for p in range(4):
        for i in range(3):
            b.produce(T, f"{p}:{i}".encode(), partition=p)
    return b


def test_one_key_goes_to_one_partition_and_offsets_count_per_partition():
    b = InMemoryBroker()
    b.create_topic(T, 4)
    sent = [b.produce(T, b"v", key=b"42") for _ in range(3)]
    assert len({m.partition for m in sent}) == 1 and [m.offset for m in sent] == [0, 1, 2]
    assert b.end_offset(tp(sent[0].partition)) == 3


def test_a_rebalance_revokes_every_member_before_assigning_any_and_fetches_nothing_meanwhile(broker):
    calls: list = []
    a, b = broker.consumer("g"), broker.consumer("g")
    a.subscribe(T, Listener("a", calls))
    assert offsets(a.poll(0)) == {0: [0, 1, 2], 1: [0, 1, 2], 2: [0, 1, 2], 3: [0, 1, 2]}
    b.subscribe(T, Listener("b", calls))
    assert a.poll(0) == {}  # revoked, waiting for b
    assert a.assignment() == set()
    # b revokes nothing, the group completes; each reads its range from the beginning (no commit)
    assert offsets(b.poll(0)) == {2: [0, 1, 2], 3: [0, 1, 2]}
    assert offsets(a.poll(0)) == {0: [0, 1, 2], 1: [0, 1, 2]}
    assert calls == [
        ("a", "revoked", []),
        ("a", "assigned", [0, 1, 2, 3]),
        ("a", "revoked", [0, 1, 2, 3]),
        ("b", "revoked", []),
        ("b", "assigned", [2, 3]),
        ("a", "assigned", [0, 1]),
    ]


def test_a_new_owner_reads_from_the_committed_offset_or_the_beginning(broker):
    a = broker.consumer("g")
    a.subscribe(T, Listener("a", []))
    a.poll(0)
    a.commit({tp(0): 2})
    with pytest.raises(BrokerError):
        a.commit({TopicPartition("other", 0): 1})  # not assigned
    a.close()
    b = broker.consumer("g")
    b.subscribe(T, Listener("b", []))
    assert offsets(b.poll(0)) == {0: [2], 1: [0, 1, 2], 2: [0, 1, 2], 3: [0, 1, 2]}
    assert broker.committed("g", tp(0)) == 2 and broker.committed("other-group", tp(0)) is None


def test_seek_pause_resume_and_max_records(broker):
    a = broker.consumer("g", max_poll_records=5)
    a.subscribe(T, Listener("a", []))
    assert sum(len(m) for m in a.poll(0).values()) == 5
    assert sum(len(m) for m in a.poll(0, max_records=2).values()) == 2
    a.pause(tp(0), tp(1), tp(2))
    a.seek(tp(3), 1)
    assert offsets(a.poll(0)) == {3: [1, 2]}
    assert a.paused() == {tp(0), tp(1), tp(2)}
    a.resume(tp(0), tp(1), tp(2))
    a.seek(tp(0), 0)
    rest = offsets(a.poll(0))
    assert rest[0] == [0, 1, 2] and a.position(tp(0)) == 3 and a.end_offsets([tp(0)]) == {tp(0): 3}


def test_no_partition_starves(broker):
    a = broker.consumer("g", max_poll_records=1)
    a.subscribe(T, Listener("a", []))
    seen = {p for _ in range(4) for p in offsets(a.poll(0))}
    assert seen == {0, 1, 2, 3}


def test_a_crashed_member_gets_no_callback_and_the_others_take_its_partitions(broker):
    calls: list = []
    a, b = broker.consumer("g"), broker.consumer("g")
    a.subscribe(T, Listener("a", calls))
    b.subscribe(T, Listener("b", calls))
    a.poll(0)
    b.poll(0)
    a.poll(0)
    a.commit({tp(0): 1})
    calls.clear()
    broker.crash(a)
    # from the committed offset where there is one: b had committed nothing either
    assert offsets(b.poll(0)) == {0: [1, 2], 1: [0, 1, 2], 2: [0, 1, 2], 3: [0, 1, 2]}
    assert [c for c in calls if c[0] == "a"] == []
    assert calls == [("b", "revoked", [2, 3]), ("b", "assigned", [0, 1, 2, 3])]
    assert broker.owner("g", tp(0)) is b
    with pytest.raises(MemberGone):
        a.poll(0)


def test_a_revoked_partition_cannot_be_committed(broker):
    a, b = broker.consumer("g"), broker.consumer("g")
    a.subscribe(T, Listener("a", []))
    a.poll(0)
    a.commit({tp(3): 1})  # still the owner while the group waits for it
    b.subscribe(T, Listener("b", []))
    a.commit({tp(3): 2})
    a.poll(0)  # revoked
    with pytest.raises(BrokerError):
        a.commit({tp(3): 3})
    assert broker.committed("g", tp(3)) == 2


def test_close_revokes_then_leaves(broker):
    calls: list = []
    a, b = broker.consumer("g"), broker.consumer("g")
    a.subscribe(T, Listener("a", calls))
    b.subscribe(T, Listener("b", calls))
    a.poll(0)
    b.poll(0)
    a.poll(0)
    calls.clear()
    a.close()
    b.poll(0)
    assert calls == [("a", "revoked", [0, 1]), ("b", "revoked", [2, 3]), ("b", "assigned", [0, 1, 2, 3])]
