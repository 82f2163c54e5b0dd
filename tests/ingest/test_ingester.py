"""The ingester's exactly-once logic without Kafka or ClickHouse: the in-memory broker, the in-memory
state store and a SQLite warehouse under the real loader (tests/ingest/world.py).

The same faults against a real broker and a real ClickHouse server, by kill -9, are in
tests/integration/test_kafka_pipeline.py.
"""

from __future__ import annotations

import logging
import threading

import pytest

from tests.ingest.world import Crash, World, token

TP0 = 0


def committed(w: World, partition: int) -> int | None:
    return w.broker.committed("artaud-ingesters", w.tp(partition))


def sample(ingester, name: str) -> float | None:
    return ingester.metrics.registry.get_sample_value(name)


def once(w: World, ids: list[str]) -> bool:
    stored = w.wh.stored()
    return set(stored) == set(ids) and set(stored.values()) == {1}


# -- pending → inserted ranges -------------------------------------------------------------------


def test_each_batch_is_recorded_pending_then_inserted_and_only_then_committed():
    w = World(1, batch_rows=10)
    ids = w.events(25, 0)
    a = w.start()
    w.run(a)
    assert w.plan.journal == [
        "polled 0:0-9",
        "pending 0:0-9",
        f"insert {token(0, 0, 9)}",
        "inserted 0:0-9",
        "commit 0:10",
        "polled 0:10-19",
        "pending 0:10-19",
        f"insert {token(0, 10, 19)}",
        "inserted 0:10-19",
        "commit 0:20",
        "polled 0:20-24",
        "pending 0:20-24",
        f"insert {token(0, 20, 24)}",
        "inserted 0:20-24",
        "commit 0:25",
    ]
    assert [w.wh.rows_with_token(t) for t in w.wh.tokens] == [10, 10, 5]
    assert once(w, ids)


def test_a_batch_waits_for_batch_rows_or_batch_seconds():
    w = World(1, batch_rows=10, batch_seconds=1.0, max_poll_records=4)
    w.events(13, 0)
    a = w.start()
    a.poll_once(0)
    a.poll_once(0)
    assert a.buffered() == 8 and w.wh.tokens == []  # neither full nor old
    a.poll_once(0)  # room for 2 more: 10 buffered, full
    assert w.wh.tokens == [token(0, 0, 9)] and committed(w, TP0) == 10
    a.poll_once(0)
    w.now += 0.75
    a.poll_once(0)
    assert a.buffered() == 3 and len(w.wh.tokens) == 1
    w.now += 0.25  # one second since the first of them was polled
    a.poll_once(0)
    assert w.wh.tokens[1:] == [token(0, 10, 12)] and committed(w, TP0) == 13 and a.buffered() == 0


# -- a crash between the steps ------------------------------------------------------------------


@pytest.mark.parametrize("warm_rows", [0, 500_000], ids=["by-token", "with-recent-ids"])
def test_a_crash_between_insert_and_marking_inserted_replays_the_range_and_stores_it_once(warm_rows):
    w = World(1, warm_rows=warm_rows, crash_at=[f"insert {token(0, 0, 9)}"])
    ids = w.events(20, 0)
    a = w.start()
    with pytest.raises(Crash):
        w.run(a)
    w.crash(a)
    assert w.state.get("artaud.events.v1", 0).status == "pending" and committed(w, TP0) is None
    b = w.start()
    w.run(b)
    assert once(w, ids)
    assert w.wh.tokens == [token(0, 0, 9), token(0, 10, 19)]  # nothing of the range inserted twice
    assert w.plan.journal.count("inserted 0:0-9") == 1  # the same range, finished by the restart
    assert b.loader.stats.recovered_rows_present == 10  # found by the batch token


def test_a_crash_before_the_insert_inserts_the_pending_range_once_under_its_token():
    w = World(1, crash_at=["pending 0:0-9"])
    ids = w.events(12, 0)
    a = w.start()
    with pytest.raises(Crash):
        w.run(a)
    w.crash(a)
    b = w.start(max_poll_records=3)  # fetches the range in four polls: it waits for all of it
    w.run(b)
    assert w.wh.tokens == [token(0, 0, 9), token(0, 10, 11)]
    assert w.wh.rows_with_token(token(0, 0, 9)) == 10
    assert once(w, ids)


def test_a_restart_with_a_smaller_batch_still_rereads_the_whole_pending_range():
    """The pending range was written with batch_rows 10; the restart runs with 4. It fetches the
    range whole (it stalled for good when the buffer was capped at the new batch size)."""
    w = World(1, crash_at=["pending 0:0-9"])
    ids = w.events(12, 0)
    a = w.start()
    with pytest.raises(Crash):
        w.run(a)
    w.crash(a)
    b = w.start(max_poll_records=3, batch_rows=4)
    w.run(b)
    assert w.wh.rows_with_token(token(0, 0, 9)) == 10
    assert w.wh.tokens[0] == token(0, 0, 9) and all(t != token(0, 0, 3) for t in w.wh.tokens)
    assert once(w, ids)


def test_a_crash_after_marking_inserted_is_not_read_again_although_the_commit_was_lost():
    w = World(1, crash_at=["inserted 0:0-9"])  # no recent-id memory: a re-read would be stored twice
    ids = w.events(15, 0)
    a = w.start()
    with pytest.raises(Crash):
        w.run(a)
    w.crash(a)
    assert committed(w, TP0) is None
    b = w.start()
    w.run(b)
    assert w.wh.tokens == [token(0, 0, 9), token(0, 10, 14)]
    assert once(w, ids) and committed(w, TP0) == 15


def test_a_failed_commit_is_survived_and_the_inserted_range_is_skipped_by_the_next_owner(caplog):
    w = World(1)
    ids = w.events(10, 0)
    a = w.start()
    a.consumer.fail_commits = 1
    with caplog.at_level(logging.WARNING, "artaud.ingester"):
        w.run(a)
    assert "offset commit for partition 0 failed" in caplog.text
    assert committed(w, TP0) is None and w.state.get("artaud.events.v1", 0).status == "inserted"
    w.crash(a)
    more = w.events(5, 0, prefix="f")
    b = w.start()
    w.run(b)
    assert w.wh.tokens == [token(0, 0, 9), token(0, 10, 14)]
    assert once(w, ids + more) and committed(w, TP0) == 15


def test_an_event_the_forwarder_sent_again_is_checked_by_id_and_stored_once():
    w = World(1, batch_rows=5)  # no recent-id memory: the lookup by id alone finds them
    ids = w.events(5, 0)
    a = w.start()
    w.run(a)
    w.events(5, 0, headers=[("replay", b"writer:3:0-4096")])  # re-sent after a lost checkpoint
    w.run(a)
    assert w.wh.tokens == [token(0, 0, 4)] and committed(w, TP0) == 10
    assert once(w, ids) and a.loader.stats.duplicates == 5


# -- rebalances -----------------------------------------------------------------------------------


def test_a_pending_range_is_finished_by_the_partitions_next_owner():
    w = World(2, batch_rows=10, crash_at=[f"insert {token(0, 0, 4)}"])
    ids = w.events(5, 0) + w.events(5, 1)
    a = w.start()
    b = w.start()
    a.poll_once(0)  # revokes nothing, waits for b to join
    b.poll_once(0)  # the group is formed: b reads partition 1
    with pytest.raises(Crash):
        a.poll_once(0)  # a reads partition 0 and dies inside its first insert
    assert w.broker.owner("artaud-ingesters", w.tp(0)) is a.consumer.inner
    assert w.broker.owner("artaud-ingesters", w.tp(1)) is b.consumer.inner
    w.crash(a)
    ids += w.events(10, 0, prefix="late")  # more behind the pending range
    w.run(b)
    assert w.broker.owner("artaud-ingesters", w.tp(0)) is b.consumer.inner
    journal = w.plan.journal
    after = journal[journal.index(f"insert {token(0, 0, 4)}") + 1 :]
    ranges = [e for e in after if e.startswith(("pending 0:", "inserted 0:"))]
    # exactly the range a left pending (not what b happened to fetch), then the rest
    assert ranges[:3] == ["inserted 0:0-4", "pending 0:5-14", "inserted 0:5-14"]
    assert b.loader.stats.recovered_rows_present == 5
    assert once(w, ids)


def test_a_rebalance_drops_what_was_not_inserted_and_the_next_owner_reads_it_again():
    w = World(2, batch_rows=100, batch_seconds=5.0)
    ids = w.events(6, 0) + w.events(6, 1)
    a = w.start()
    a.poll_once(0)
    assert a.buffered() == 12 and w.wh.tokens == []  # buffered, not yet due
    b = w.start()
    a.poll_once(0)  # everything revoked: the buffers go
    assert a.buffered() == 0 and a.consumer.assignment() == set()
    b.poll_once(0)  # the group is formed: b reads partition 1 from the start
    assert [m.offset for m in b.buffers[w.tp(1)]] == list(range(6))
    a.poll_once(0)  # a reads partition 0 again from the start
    assert a.consumer.assignment() == {w.tp(0)} and w.tp(1) not in a.buffers
    assert [m.offset for m in a.buffers[w.tp(0)]] == list(range(6))
    w.now += 5
    w.run(a, b)
    assert sorted(w.wh.tokens) == sorted([token(0, 0, 5), token(1, 0, 5)])
    assert once(w, ids)


def test_a_partition_is_not_revoked_while_one_of_its_batches_is_being_inserted():
    w = World(1)
    w.events(10, 0)
    a = w.start()
    inserting, release = threading.Event(), threading.Event()

    def slow_insert(tok):
        inserting.set()
        assert release.wait(5)

    w.wh.before_insert = slow_insert
    poller = threading.Thread(target=a.poll_once, args=(0,))
    poller.start()
    assert inserting.wait(5)
    revoker = threading.Thread(target=a.revoked, args=([w.tp(0)],))  # Kafka's IO thread
    revoker.start()
    revoker.join(0.05)
    assert revoker.is_alive()  # waits for the insert in progress
    release.set()
    poller.join(5)
    revoker.join(5)
    assert not revoker.is_alive()
    assert w.state.get("artaud.events.v1", 0).status == "inserted" and w.wh.tokens == [token(0, 0, 9)]


# -- poison messages ----------------------------------------------------------------------------


def test_a_poison_message_goes_to_the_dead_letters_with_its_coordinates_and_the_rest_is_stored():
    w = World(1)
    ids = w.events(3, 0)
    w.poison(0)
    ids += w.events(6, 0, prefix="f")
    a = w.start()
    w.run(a)
    assert [(p, o) for p, o, _ in w.letters] == [(0, 3)]
    assert "must be" in w.letters[0][2]
    assert once(w, ids) and committed(w, TP0) == 10
    assert sample(a, "artaud_ingest_dead_letters_total") == 1


def test_a_poison_message_is_dead_lettered_once_when_its_batch_is_retried():
    w = World(1)
    ids = w.events(3, 0)
    w.poison(0)
    a = w.start()
    w.wh.fail_inserts = 1
    a.poll_once(0)  # decoded (the poison dead-lettered), then the insert failed
    w.now += 0.5
    w.run(a)
    assert len(w.letters) == 1 and once(w, ids)


def test_poison_up_to_the_ratio_is_dead_lettered_and_the_ingester_goes_on():
    w = World(1, batch_rows=20, poison_window=10, max_poison_ratio=0.5)
    ids = w.events(5, 0)
    for _ in range(5):
        w.poison(0)  # 5 of the last 10: at the ratio, not past it
    a = w.start()
    w.run(a)
    assert len(w.letters) == 5 and once(w, ids) and committed(w, TP0) == 10


def test_poison_is_judged_only_over_a_full_window():
    w = World(1, batch_rows=20, poison_window=10, max_poison_ratio=0.5)
    for _ in range(3):
        w.poison(0)
    a = w.start()
    w.run(a)  # 3 of 3 are poison, but 3 messages say little
    assert len(w.letters) == 3 and committed(w, TP0) == 3


def test_past_the_poison_ratio_the_ingester_stops_and_its_batch_stays_pending():
    from artaud.ingest.consumer import PoisonLimitExceeded

    w = World(1, batch_rows=20, poison_window=10, max_poison_ratio=0.5)
    first = w.events(4, 0)
    a = w.start()
    w.run(a)
    batch = w.events(4, 0, prefix="f")
    for _ in range(6):
        w.poison(0)  # with the 4 events before them: 6 of the last 10
    with pytest.raises(PoisonLimitExceeded):
        a.poll_once(0)
    # nothing of the batch stored nor committed: a restart (once the topic is dealt with) re-reads it
    assert once(w, first) and committed(w, TP0) == 4
    st = w.state.get("artaud.events.v1", 0)
    assert (st.first, st.last, st.status) == (4, 13, "pending")
    assert len(w.letters) == 6  # each sent before the limit was judged
    assert not set(batch) & set(w.wh.stored())


# -- backpressure -------------------------------------------------------------------------------


def test_a_failed_insert_pauses_every_partition_and_retries_with_a_growing_backoff():
    w = World(2, batch_rows=10)
    ids = w.events(10, 0) + w.events(10, 1)
    attempts = []
    w.wh.before_insert = attempts.append
    w.wh.fail_inserts = 2
    a = w.start()
    a.poll_once(0)
    assert len(attempts) == 1
    assert a.consumer.paused() == a.consumer.assignment() == {w.tp(0), w.tp(1)}
    for _ in range(3):  # the backoff (0.5 s) runs: no insert, no fetch, memory bounded
        a.poll_once(0)
    assert len(attempts) == 1 and a.buffered() == 10
    w.now += 0.5
    a.poll_once(0)  # the retry fails too: the backoff doubles
    assert len(attempts) == 2 and a.consumer.paused() == {w.tp(0), w.tp(1)}
    w.now += 0.5
    a.poll_once(0)
    assert len(attempts) == 2
    w.now += 0.5
    a.poll_once(0)  # 1 s after the second failure: retried, and it lands
    assert len(attempts) == 3 and a.consumer.paused() == set() and not a.paused
    w.run(a)
    assert once(w, ids) and sample(a, "artaud_ingest_insert_failures_total") == 2
    assert a.backoff == 0.5  # a success resets it


def test_the_retry_after_a_failed_insert_is_checked_against_its_token():
    w = World(1)
    ids = w.events(10, 0)

    def lands_then_fails(tok):  # the server stored the block but the answer was lost
        w.wh.after_insert = lambda tok: None
        from artaud.warehouse.backend import WarehouseError

        raise WarehouseError("timeout (double)")

    w.wh.after_insert = lands_then_fails
    a = w.start()
    a.poll_once(0)
    assert sample(a, "artaud_ingest_insert_failures_total") == 1
    w.now += 0.5
    w.run(a)
    assert once(w, ids) and a.loader.stats.recovered_rows_present == 10


def test_partitions_assigned_during_the_backoff_are_paused_too():
    w = World(2, batch_rows=10)
    w.events(10, 0)
    w.events(10, 1)
    a = w.start()
    w.wh.fail_inserts = 1
    a.poll_once(0)
    assert a.paused
    b = w.start()
    a.poll_once(0)  # revoked
    b.poll_once(0)
    a.poll_once(0)  # assigned partition 0
    assert a.consumer.assignment() == {w.tp(0)} and a.consumer.paused() == {w.tp(0)}


def test_an_ingester_rebalanced_during_the_backoff_resumes_afterwards():
    """The failed batch's partition went to another member during the wait: with nothing left to
    retry, reading resumes (it stayed paused for good before)."""
    w = World(2, batch_rows=10)
    ids = w.events(5, 0) + w.events(5, 1)
    a = w.start()
    w.wh.fail_inserts = 1
    a.poll_once(0)
    b = w.start()
    a.poll_once(0)
    b.poll_once(0)
    a.poll_once(0)
    w.now += 30
    w.run(a, b, rounds=50)
    assert once(w, ids)
