"""Production transport against a real Kafka broker and ClickHouse server: faults and rebalances.

Each fault test runs a bounded load, SIGKILLs one part, restarts it, and checks that the set of event
ids in ClickHouse equals the set of acknowledged hits: none lost, none twice.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from artaud_devkit.testing.kafka_broker import KafkaBroker
from artaud_devkit.testing.servers import ClickHouseServer
from artaud_devkit.testing.stack import Stack
from tests.integration.client import HitClient
from tests.integration.load import AckLoad

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.kafka]
# Set ARTAUD_RELIABILITY_REPORT=bench/results/reliability-latest.jsonl to refresh RELIABILITY.md's figures.
REPORT = os.environ.get("ARTAUD_RELIABILITY_REPORT", "")


@pytest.fixture
def broker() -> Iterator[KafkaBroker]:
    b = KafkaBroker(partitions=4).start()
    yield b
    b.close()


@pytest.fixture
def stack(tmp_path, broker, clickhouse_server) -> Iterator[Stack]:
    s = Stack(tmp_path, broker, clickhouse_server)
    yield s
    s.close()


def record(name: str, figures: dict[str, int]) -> None:
    print(json.dumps({"test": name, **figures}))
    if REPORT:
        with Path(REPORT).open("a") as fh:
            fh.write(json.dumps({"test": name, **figures}) + "\n")


def check(stack: Stack, load: AckLoad, prefix: str, name: str) -> None:
    acked = load.stop()
    stored = stack.wait_stored(acked, prefix)
    figures = stack.figures(load, stored)
    record(name, figures)
    assert figures["duplicates"] == 0, figures
    assert figures["lost"] == 0, figures
    assert figures["acknowledged"] > 0


def test_kill_9_of_the_collector(stack):
    collector = stack.process("collector").start()
    stack.process("ingester").start()
    site, host, _ = stack.sites[0]
    load = AckLoad(collector.url, site, host, "kc").start()
    load.wait_for(1500)
    collector.kill9()
    time.sleep(1)
    collector.start()  # same spool directory: unforwarded and pending batches are replayed
    load.wait_for(len(load.acked) + 1000)
    check(stack, load, "kc-", "kill -9 collector")


def test_kill_9_of_the_ingester(stack):
    collector = stack.process("collector").start()
    ingester = stack.process("ingester").start()
    site, host, _ = stack.sites[0]
    load = AckLoad(collector.url, site, host, "ki").start()
    load.wait_for(1500)
    ingester.kill9()
    load.wait_for(len(load.acked) + 1500)
    ingester.start()
    load.wait_for(len(load.acked) + 500)
    check(stack, load, "ki-", "kill -9 ingester")


def test_kill_9_of_the_kafka_broker(stack, broker):
    collector = stack.process("collector").start()
    stack.process("ingester").start()
    site, host, _ = stack.sites[0]
    load = AckLoad(collector.url, site, host, "kb").start()
    load.wait_for(1500)
    broker.kill9()
    load.wait_for(len(load.acked) + 1500)  # the collector keeps accepting into its spool
    broker.start()  # same log directories
    load.wait_for(len(load.acked) + 500)
    check(stack, load, "kb-", "kill -9 Kafka broker")


def test_kill_9_of_the_clickhouse_server(tmp_path, broker):
    with ClickHouseServer() as ch:
        stack = Stack(tmp_path, broker, ch)
        try:
            collector = stack.process("collector").start()
            stack.process("ingester").start()
            site, host, _ = stack.sites[0]
            load = AckLoad(collector.url, site, host, "kch").start()
            load.wait_for(1500)
            ch.kill9()
            load.wait_for(len(load.acked) + 1500)  # ingester retries with backoff, partitions paused
            ch.start()
            load.wait_for(len(load.acked) + 500)
            check(stack, load, "kch-", "kill -9 ClickHouse server")
        finally:
            stack.close()


def test_two_ingesters_rebalance_without_loss_or_duplicate(stack):
    collector = stack.process("collector").start()
    first = stack.process("ingester", "ingester-a").start()
    loads = [
        AckLoad(collector.url, s, h, f"rb{i}", threads=1).start() for i, (s, h, _) in enumerate(stack.sites)
    ]
    loads[0].wait_for(800)
    second = stack.process("ingester", "ingester-b").start()  # joins: partitions move
    loads[0].wait_for(len(loads[0].acked) + 1500)
    first.stop()  # leaves cleanly: its partitions move back to the second
    loads[0].wait_for(len(loads[0].acked) + 800)
    acked: set[str] = set()
    for load in loads:
        acked |= load.stop()
    stored = stack.wait_stored(acked, "rb")
    figures = {
        "acknowledged": len(acked),
        "stored": len(stored),
        "duplicates": len(stored) - len(set(stored)),
        "lost": len(acked - set(stored)),
    }
    record("rebalance, two ingesters", figures)
    assert figures["duplicates"] == 0 and figures["lost"] == 0, figures
    moved = [
        line for line in second.log().splitlines() if "assigned partitions [" in line and "[]" not in line
    ]
    assert moved, "the second ingester never received a partition"
    assert "revoked partitions" in first.log()


def test_poison_message_goes_to_the_dead_letter_topic_and_the_consumer_keeps_going(stack, broker):
    from kafka import KafkaConsumer, KafkaProducer

    collector = stack.process("collector").start()
    stack.process("ingester").start()
    site, host, _ = stack.sites[0]
    load = AckLoad(collector.url, site, host, "pz", threads=2).start()
    load.wait_for(300)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    meta = producer.send(stack.topic, value=b'{"event_id": "poison", "not": "an event"}', key=b"1").get(10)
    producer.close()
    client = HitClient(collector.url)
    for i in range(5):  # pooled hits: their consent records travel on the topic too
        status, _ = client.beacon(
            site,
            host,
            [{"n": "page_view", "u": f"https://{host}/", "i": f"pzc-{i:06d}"}],
            visitor=f"visitor-kafka-{i:03d}",
            consent="measure,pool",
        )
        assert status == 204
    # a withdrawal: its suppression travels on the topic too
    status, _ = client._request(
        "POST",
        "/c/w",
        b'{"k": "%s", "v": "visitor-kafka-000"}' % site.encode(),
        {"Origin": f"https://{host}", "Content-Type": "text/plain"},
    )
    assert status == 204
    client.close()
    load.wait_for(len(load.acked) + 300)
    check(stack, load, "pz-", "poison message")
    stack.wait_stored({f"pzc-{i:06d}" for i in range(5)}, "pzc-")
    c = stack.clickhouse.client()
    ids = {
        r[0] for r in c.execute(f"SELECT consent_id FROM {stack.database}.events WHERE event_id LIKE 'pzc-%'")
    }
    records = c.execute(f"SELECT consent_id, source, signal FROM {stack.database}.consent_records")
    c.disconnect()
    assert len(ids) == 1 and ids <= {r[0] for r in records} and {r[1] for r in records} == {"tag"}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        c = stack.clickhouse.client()
        suppressed = c.execute(f"SELECT visitor, kind FROM {stack.database}.suppressions")
        withdrawn = c.execute(
            f"SELECT DISTINCT visitor FROM {stack.database}.events WHERE event_id = 'pzc-000000'"
        )
        c.disconnect()
        if suppressed:
            break
        time.sleep(0.5)
    assert [tuple(r) for r in suppressed] == [(withdrawn[0][0], "withdraw")]
    dlq = KafkaConsumer(
        stack.topic + ".dlq",
        bootstrap_servers=broker.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=10_000,
    )
    letters = [m for m in dlq]
    dlq.close()
    assert len(letters) == 1
    headers = dict(letters[0].headers)
    assert headers["source_partition"] == str(meta.partition).encode()
    assert headers["source_offset"] == str(meta.offset).encode()
    assert b"must be" in headers["error"]


def test_the_topics_retention_is_bounded_even_on_a_topic_made_by_hand(broker):
    """The broker keeps hits `kafka.retention_hours` at most: set when a topic is created, and set
    again on a topic created without it (by hand, or before the setting existed)."""
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    from artaud.transport.topics import ensure_topics

    broker.create_topic("made-by-hand")
    created = ensure_topics(broker.bootstrap, ["made-by-hand", "made-by-us"], 2, 1, retention_hours=48)
    assert created == ["made-by-us"]
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        for name in ("made-by-hand", "made-by-us"):
            described = admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, name, configs={"retention.ms": None})]
            )
            found = described["topic"][name]["retention.ms"]
            assert found["value"] == str(48 * 3_600_000) and found["config_source"] == "DYNAMIC_TOPIC_CONFIG"
    finally:
        admin.close()
