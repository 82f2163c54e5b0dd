"""The spool: durability framing, bounded size, checkpoints, recovery and cleanup."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.collector.sink import SinkFull
from artaud.spool.frames import FILE_MAGIC, HEADER, MAGIC, V1_HEADER, decode, encode
from artaud.spool.reader import SpoolReader
from artaud.spool.writer import SpoolWriter, spool_bytes


def writer(tmp_path, **kw):
    args = {"max_bytes": 10 << 20, "segment_bytes": 1 << 20, "fsync_interval_ms": 10, **kw}
    return SpoolWriter(tmp_path, **args)


def test_round_trip_and_commit(tmp_path):
    w = writer(tmp_path)
    w.append([b"a", b"b"])
    w.append([b"c"])
    r = SpoolReader(tmp_path)
    b1 = r.next_batch(2)
    assert b1 is not None and b1.payloads == [b"a", b"b"] and not b1.recovered
    r.commit(b1)
    b2 = r.next_batch(10)
    assert b2 is not None and b2.payloads == [b"c"]
    r.commit(b2)
    assert r.next_batch(10) is None
    assert r.backlog_bytes() == 0
    w.close()


def test_an_uncommitted_batch_is_re_read_byte_for_byte_with_the_same_token(tmp_path):
    w = writer(tmp_path)
    w.append([b"one", b"two"])
    first = SpoolReader(tmp_path).next_batch(10)
    w.append([b"three"])  # more data arrived before the "crash"
    again = SpoolReader(tmp_path).next_batch(10)
    assert first is not None and again is not None
    assert again.recovered and again.token == first.token and again.payloads == first.payloads
    w.close()


def test_segments_roll_and_are_deleted_once_drained(tmp_path):
    w = writer(tmp_path, segment_bytes=4096)
    for i in range(100):
        w.append([b"x" * 100 + str(i).encode()])
    segs = list(w.dir.glob("*.seg"))
    assert len(segs) > 2
    r = SpoolReader(tmp_path)
    got = []
    while (b := r.next_batch(7)) is not None:
        got += b.payloads
        r.commit(b)
    assert len(got) == 100 and got[-1].endswith(b"99")
    assert len(list(w.dir.glob("*.seg"))) == 1  # only the active one is left
    w.close()
    assert r.next_batch(7) is None
    assert not w.dir.exists()  # a dead writer's drained directory is removed


def test_the_spool_is_bounded(tmp_path):
    w = writer(tmp_path, max_bytes=1 << 20, segment_bytes=1 << 20)
    with pytest.raises(SinkFull):
        for _ in range(2000):
            w.append([b"y" * 1000])
    assert spool_bytes(tmp_path) <= 1 << 20
    assert not w.healthy()
    w.close()
    with pytest.raises(SinkFull):
        w.append([b"z"])


def test_torn_and_corrupt_tails_are_skipped_and_counted(tmp_path):
    w = writer(tmp_path)
    w.append([b"good"])
    w.close()
    seg = next(w.dir.glob("*.seg"))
    with open(seg, "ab") as fh:
        fh.write(HEADER.pack(MAGIC, 50, 0) + b"partial")
    r = SpoolReader(tmp_path)
    b = r.next_batch(10)
    assert b is not None and b.payloads == [b"good"]
    r.commit(b)
    assert r.next_batch(10) is None and r.corrupt_bytes == HEADER.size + 7 and r.quarantined_records == 1
    assert [f.read_bytes() for f in (tmp_path / "quarantine").iterdir()] == [
        HEADER.pack(MAGIC, 50, 0) + b"partial"
    ]


def test_a_live_writers_unfinished_tail_is_waited_for(tmp_path):
    w = writer(tmp_path)
    w.append([b"good"])
    seg = next(w.dir.glob("*.seg"))
    with open(seg, "ab") as fh:
        fh.write(HEADER.pack(MAGIC, 50, 0))
    r = SpoolReader(tmp_path)
    r.commit(r.next_batch(10))  # type: ignore[arg-type]
    assert r.next_batch(10) is None and r.corrupt_bytes == 0
    w.close()


def test_acknowledged_appends_survive_kill_9(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {os.getcwd()!r})
        from artaud.spool.writer import SpoolWriter
        w = SpoolWriter(__import__("pathlib").Path({str(tmp_path)!r}), 10 << 20, 1 << 20, 5000)
        for i in range(500):
            w.append([str(i).encode()])
        print("acked", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == -9 and "acked" in out.stdout
    r = SpoolReader(tmp_path)
    got = []
    while (b := r.next_batch(100)) is not None:
        got += b.payloads
        r.commit(b)
    assert got == [str(i).encode() for i in range(500)]


def test_a_flipped_byte_costs_only_its_record():
    data = bytearray(encode([b"abc", b"def", b"ghi"]))
    data[HEADER.size + 3 + HEADER.size + 1] ^= 1  # in the second payload
    got = decode(bytes(data), 10, final=True)
    assert got.payloads == [b"abc", b"ghi"] and got.damage == [(15, 30)] and got.consumed == len(data)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.binary(max_size=50), max_size=20),
    st.binary(max_size=20),
    st.lists(st.binary(max_size=50), max_size=5),
)
def test_fuzz_garbage_between_records_costs_no_record(payloads, garbage, more):
    buf = encode(payloads)
    whole = decode(buf, 1000, final=True)
    assert (whole.payloads, whole.consumed, whole.damage, whole.waiting) == (payloads, len(buf), [], False)
    got = decode(buf + garbage + encode(more), 1000, final=True)
    assert got.payloads == payloads + more and got.consumed == len(buf) + len(garbage) + len(encode(more))
    assert sum(e - s for s, e in got.damage) == len(garbage)
    live = decode(buf + garbage, 1000, final=False)  # a live segment: damage at the end may be a write
    assert live.payloads == payloads and live.consumed <= len(buf) + len(garbage)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=50), min_size=1, max_size=20), st.data())
def test_fuzz_any_flipped_or_zeroed_byte_costs_at_most_one_record(payloads, data):
    buf = bytearray(encode(payloads))
    at = data.draw(st.integers(0, len(buf) - 1))
    buf[at] = 0 if data.draw(st.booleans()) and buf[at] else buf[at] ^ (1 << data.draw(st.integers(0, 7)))
    got = decode(bytes(buf), 1000, final=True)
    assert len(got.payloads) >= len(payloads) - 1 and len(got.damage) <= 1
    it = iter(payloads)
    assert all(any(p == q for q in it) for p in got.payloads)  # the survivors, in order


def test_a_damaged_record_in_a_segment_is_quarantined_and_the_rest_delivered(tmp_path):
    w = writer(tmp_path)
    w.append([b"good"])
    w.close()
    seg = next(w.dir.glob("*.seg"))
    bad = HEADER.pack(MAGIC, 3, 12345) + b"bad"
    with open(seg, "ab") as fh:
        fh.write(bad + encode([b"after"]))
    r = SpoolReader(tmp_path)
    got = []
    while (b := r.next_batch(10)) is not None:
        got += b.payloads
        r.commit(b)
    assert got == [b"good", b"after"]
    assert r.corrupt_bytes == len(bad) and r.quarantined_records == 1
    assert not w.dir.exists()


def test_segments_written_before_the_resynchronising_framing_are_still_read(tmp_path):
    import zlib

    d = tmp_path / "w-1-old"
    d.mkdir()
    (d / "000000000001.seg").write_bytes(
        b"".join(V1_HEADER.pack(len(p), zlib.crc32(p)) + p for p in (b"a", b"bc"))
    )
    r = SpoolReader(tmp_path)
    b = r.next_batch(10)
    assert b is not None and b.payloads == [b"a", b"bc"] and b.uncertain  # no checkpoint: checked by id
    r.commit(b)
    assert r.next_batch(10) is None and not d.exists()


@pytest.mark.parametrize("damage", ["deleted", "emptied", "garbled", "a digit changed"])
def test_a_lost_or_garbled_checkpoint_replays_the_backlog_as_uncertain_only_up_to_its_end(tmp_path, damage):
    w = writer(tmp_path, segment_bytes=64)
    for i in range(12):
        w.append([b"%02d" % i])
    r = SpoolReader(tmp_path)
    first = r.next_batch(5)
    assert first is not None and not first.uncertain
    r.commit(first)
    cp = w.dir / "checkpoint"
    if damage == "deleted":
        cp.unlink()
    elif damage == "emptied":
        cp.write_bytes(b"")
    elif damage == "garbled":
        cp.write_bytes(b"\x00\xff{")
    else:
        cp.write_bytes(cp.read_bytes().replace(b'"offset":', b'"offset":1'))
    r = SpoolReader(tmp_path)
    assert r.backlog_bytes() > 0 and r.checkpoint_resets == 0  # reading the size repairs nothing
    assert r.check() == 1  # the reader finds the damage here
    w.append([b"new"])  # written after: certain
    again, uncertain = [], []
    while (b := r.next_batch(5)) is not None:
        again += b.payloads
        uncertain.append(b.uncertain)
        r.commit(b)
        if b.payloads == [b"new"]:
            break
    assert r.checkpoint_resets == 1
    assert set(again) >= {b"%02d" % i for i in range(5, 12)} | {b"new"}  # nothing lost
    assert uncertain[-1] is False and all(uncertain[:-1])  # the replay is checked by id, the rest is not
    w.close()


def test_a_failed_or_short_write_is_rolled_back_answered_as_full_and_counted(tmp_path, monkeypatch):
    import errno

    import artaud.spool.writer as module

    w = writer(tmp_path)
    w.append([b"before"])
    seg = max(w.dir.glob("*.seg"))
    size = seg.stat().st_size
    real_write = os.write

    def short(fd, data):
        real_write(fd, data[: len(data) // 2])
        return len(data) // 2

    def enospc(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    for fault in (short, enospc):
        monkeypatch.setattr(module.os, "write", fault)
        with pytest.raises(SinkFull):
            w.append([b"x" * 100])
        assert seg.stat().st_size == size and not w.healthy()
    monkeypatch.setattr(module.os, "write", real_write)
    w.append([b"after"])
    assert w.write_errors == 2
    r = SpoolReader(tmp_path)
    b = r.next_batch(10)
    assert b is not None and b.payloads == [b"before", b"after"] and r.corrupt_bytes == 0
    w.close()


def test_the_fsync_thread_outlives_an_io_error_and_health_says_so(tmp_path, monkeypatch):
    import artaud.spool.writer as module

    w = writer(tmp_path, fsync_interval_ms=5)
    real = os.fsync
    monkeypatch.setattr(
        module.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(5, "Input/output error"))
    )
    w.append([b"a"])
    deadline = __import__("time").monotonic() + 5
    while w.fsync_errors == 0 and __import__("time").monotonic() < deadline:
        __import__("time").sleep(0.01)
    assert w.fsync_errors > 0 and not w.healthy() and w._syncer.is_alive()
    monkeypatch.setattr(module.os, "fsync", real)
    w.append([b"b"])
    deadline = __import__("time").monotonic() + 5
    while not w.healthy() and __import__("time").monotonic() < deadline:
        __import__("time").sleep(0.01)
    assert w.healthy()
    w.close()


def test_a_reader_never_removes_a_writer_that_is_starting(tmp_path, monkeypatch):
    """A reader that lists the spool at the worst moment (a writer has made its directory but does
    not hold its lock yet) must not take that writer for dead and remove its directory."""
    import fcntl as fcntl_module

    root = tmp_path / "spool"
    root.mkdir()
    reader = SpoolReader(root)
    real_flock = fcntl_module.flock
    busy = []

    def flock_after_a_reader_pass(fd, op):
        if not busy:  # the reader's own flock calls go straight through
            busy.append(1)
            reader.next_batch(100)
            busy.clear()
        return real_flock(fd, op)

    monkeypatch.setattr(fcntl_module, "flock", flock_after_a_reader_pass)
    w = SpoolWriter(root, 10 << 20, 1 << 20, 10)
    w.append([b"x"])
    w.close()
    assert [d.name.startswith("w-") for d in root.iterdir()] == [True]


def test_a_byte_flipped_inside_a_pending_range_costs_only_its_record(tmp_path):
    """A batch was read (its range recorded as pending) when the process died; a byte of that range
    rots before the restart: the range is read again less the damaged record, which is quarantined."""
    w = writer(tmp_path)
    w.append([b"r0", b"r1", b"r2", b"r3"])
    w.close()
    r = SpoolReader(tmp_path)
    pending = r.next_batch(10)
    assert pending is not None and pending.payloads == [b"r0", b"r1", b"r2", b"r3"]  # no commit: a crash
    seg = next(w.dir.glob("*.seg"))
    raw = bytearray(seg.read_bytes())
    raw[len(FILE_MAGIC) + 2 * (HEADER.size + 2) - 1] ^= 1  # the last byte of r1
    seg.write_bytes(bytes(raw))
    again = SpoolReader(tmp_path)
    b = again.next_batch(10)
    assert b is not None and b.recovered and b.token == pending.token
    assert b.payloads == [b"r0", b"r2", b"r3"] and again.quarantined_records == 1
    again.commit(b)
    assert again.next_batch(10) is None


def test_health_is_red_when_the_drainer_stops_beating_while_hits_are_still_taken(tmp_path):
    from artaud.collector.app import READY
    from artaud.spool.drain import HEARTBEAT, beat

    w = writer(tmp_path)
    assert w.health() == "ok"  # no drainer has beaten yet: starting, not stalled
    beat(tmp_path)
    assert w.health() == "ok"
    old = __import__("time").time() - 120
    os.utime(tmp_path / HEARTBEAT, (old, old))
    w._stall_at = -1e9  # the check is cached for a second
    assert w.health() == "drain_stalled" and not w.healthy() and w.health() in READY
    w.append([b"still taken"])
    w.close()
