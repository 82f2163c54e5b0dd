"""The forwarder against an in-memory producer double (the real broker is in tests/integration)."""

from __future__ import annotations

import pytest
from kafka.errors import KafkaTimeoutError

from artaud.spool.reader import SpoolReader
from artaud.spool.writer import SpoolWriter
from artaud.transport.forwarder import KafkaForwarder
from tests.warehouse.helpers import records


class Future:
    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def get(self, timeout: float = 0) -> None:
        if self.error:
            raise self.error


class FakeProducer:
    def __init__(self, fail_sends: int = 0) -> None:
        self.sent: list[tuple[bytes, bytes, dict[str, bytes]]] = []
        self.fail_sends = fail_sends

    def send(self, topic, value, key, headers):
        if self.fail_sends:
            self.fail_sends -= 1
            return Future(KafkaTimeoutError("broker down"))
        self.sent.append((value, key, dict(headers)))
        return Future(None)

    def flush(self, timeout=None):
        pass

    def close(self, timeout=None):
        pass


def test_batches_are_sent_keyed_and_checkpointed(tmp_path):
    w = SpoolWriter(tmp_path, 10 << 20, 1 << 20, 10)
    w.append(records(30, cinema=7))
    producer = FakeProducer()
    f = KafkaForwarder(SpoolReader(tmp_path), lambda: producer, "t", batch_rows=10)
    assert f.drain() == 30
    assert len(producer.sent) == 30 and {k for _, k, _ in producer.sent} == {b"7"}
    assert all(h == {"schema": b"1"} for _, _, h in producer.sent)
    assert SpoolReader(tmp_path).next_batch(10) is None
    w.close()


def test_a_failed_send_keeps_the_batch_and_the_retry_is_flagged_as_replay(tmp_path):
    w = SpoolWriter(tmp_path, 10 << 20, 1 << 20, 10)
    w.append(records(5))
    producers = [FakeProducer(fail_sends=2), FakeProducer()]
    f = KafkaForwarder(SpoolReader(tmp_path), lambda: producers.pop(0), "t", batch_rows=10)
    with pytest.raises(KafkaTimeoutError):
        f.step()
    assert f.step() == 5
    ok = f._producer
    assert ok is not None and len(ok.sent) == 5
    assert all("replay" in h for _, _, h in ok.sent) and f.replayed == 5
    w.close()
