"""The spool: durability framing, bounded size, checkpoints, recovery and cleanup."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.sink import SinkFull
from spool.frames import HEADER, Corrupt, decode, encode
from spool.reader import SpoolReader
from spool.writer import SpoolWriter, spool_bytes


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
        fh.write(HEADER.pack(50, 0) + b"partial")
    r = SpoolReader(tmp_path)
    b = r.next_batch(10)
    assert b is not None and b.payloads == [b"good"]
    r.commit(b)
    assert r.next_batch(10) is None and r.corrupt_bytes > 0


def test_a_live_writers_unfinished_tail_is_waited_for(tmp_path):
    w = writer(tmp_path)
    w.append([b"good"])
    seg = next(w.dir.glob("*.seg"))
    with open(seg, "ab") as fh:
        fh.write(HEADER.pack(50, 0))
    r = SpoolReader(tmp_path)
    r.commit(r.next_batch(10))  # type: ignore[arg-type]
    assert r.next_batch(10) is None and r.corrupt_bytes == 0
    w.close()


def test_acknowledged_appends_survive_kill_9(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {os.getcwd()!r})
        from spool.writer import SpoolWriter
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


def test_corrupt_checksum_raises():
    data = bytearray(encode([b"abc"]))
    data[-1] ^= 1
    with pytest.raises(Corrupt):
        decode(bytes(data), 10)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=50), max_size=20), st.binary(max_size=20))
def test_fuzz_frames(payloads, garbage):
    buf = encode(payloads)
    assert decode(buf, 1000) == (payloads, len(buf), False)
    try:
        got, used, _ = decode(buf + garbage, 1000)
    except Corrupt:
        return
    assert got[: len(payloads)] == payloads and used <= len(buf) + len(garbage)


def test_a_checksum_mismatch_skips_the_rest_of_the_segment_and_counts_it(tmp_path):
    w = writer(tmp_path)
    w.append([b"good"])
    w.close()
    seg = next(w.dir.glob("*.seg"))
    with open(seg, "ab") as fh:
        fh.write(HEADER.pack(3, 12345) + b"bad" + encode([b"after"]))
    r = SpoolReader(tmp_path)
    first = r.next_batch(1)
    assert first is not None and first.payloads == [b"good"]
    r.commit(first)
    assert r.next_batch(10) is None
    assert r.corrupt_bytes == HEADER.size + 3 + len(encode([b"after"]))
    assert not w.dir.exists()


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
