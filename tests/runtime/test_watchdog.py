"""The workers' watchdog, on files (runtime/watchdog.py): which workers are stalled, what is killed."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from artaud.watchdog import Watchdog, stalled


def test_a_worker_is_stalled_only_once_it_beat_and_then_stopped(tmp_path):
    now = time.time()
    for pid, age in ((101, 0.5), (102, 30.0)):
        beat = tmp_path / f"{pid}.beat"
        beat.touch()
        os.utime(beat, (now - age, now - age))
    assert stalled(tmp_path, [101, 102, 103], seconds=10, now=now) == [102]  # 103 never beat: starting
    seen: dict[int, float] = {}
    assert stalled(tmp_path, [101, 102, 103], seconds=10, now=now, first_seen=seen) == [102]
    assert stalled(tmp_path, [103], seconds=10, now=now + 29, first_seen=seen) == []  # starting...
    assert stalled(tmp_path, [103], seconds=10, now=now + 31, first_seen=seen) == [103]  # ...frozen
    assert seen == {103: now}  # the workers gone are forgotten


def test_the_stalled_worker_is_killed_and_the_beats_of_the_dead_forgotten(tmp_path):
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        old = time.time() - 60
        (tmp_path / f"{worker.pid}.beat").touch()
        os.utime(tmp_path / f"{worker.pid}.beat", (old, old))
        (tmp_path / "999999.beat").touch()  # a worker gone since
        assert Watchdog(tmp_path, 10).check([worker.pid]) == [worker.pid]
        assert worker.wait(5) == -9
        assert list(tmp_path.glob("*.beat")) == []
    finally:
        worker.kill()
