"""The supervisor's stop: signals only set a lock-free flag, however many arrive."""

from __future__ import annotations

import io
import os
import signal
import threading
import time

from artaud.config.settings import load
from artaud.service import StopFlag, Supervisor


def test_a_burst_of_signals_stops_the_wait_loop_cleanly():
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        sup = Supervisor(load({}), out=io.StringIO())

        def burst() -> None:
            time.sleep(0.3)
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGINT, signal.SIGTERM):
                os.kill(os.getpid(), sig)

        threading.Thread(target=burst).start()
        t0 = time.monotonic()
        assert sup.wait(lambda: None, tick=lambda: None) == 0
        assert time.monotonic() - t0 < 5
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def test_stop_flag():
    flag = StopFlag()
    assert not flag.is_set() and flag.wait(0.05) is False
    flag.set()
    assert flag.is_set() and flag.wait(10) is True
