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


def test_a_public_collector_refuses_to_send_visitors_to_their_own_machine(tmp_path) -> None:
    import pytest

    from artaud.service import StartupError, run_collector

    env = {
        "ARTAUD_PATHS__DATA_DIR": str(tmp_path),
        "ARTAUD_TRANSPORT__MODE": "kafka",
        "ARTAUD_COLLECTOR__PUBLIC_URL": "https://collecte.scare.example",
    }
    with pytest.raises(StartupError, match=r"rights\.public_url"):
        run_collector(load(env=env), out=io.StringIO())  # the rights page's default: 127.0.0.1
