"""A refreshed value: served at once, reloaded in the background after its ttl, kept when a reload fails."""

from __future__ import annotations

import itertools
import time

from artaud.collector.refresh import Refreshing


def wait_for(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not cond():
        time.sleep(0.01)
    return cond()


def test_reloads_after_the_ttl_and_keeps_the_last_good_copy():
    now = [0.0]
    values = iter([1, 2])

    def loader() -> int:
        v = next(values, None)
        if v is None:
            raise RuntimeError("control plane down")
        return v

    r = Refreshing(loader, ttl=10, what="test", clock=lambda: now[0])
    assert r.get() == 1
    now[0] = 5
    assert r.get() == 1  # within its ttl: no reload
    now[0] = 11
    r.get()  # starts the reload in the background
    assert wait_for(lambda: r.get() == 2)
    now[0] = 30
    r.get()  # this reload fails
    assert wait_for(lambda: not r._refreshing.locked())  # the failed reload has finished
    assert r.get() == 2 and r._at == 30


def test_in_the_background_a_value_is_reloaded_on_schedule_without_any_request():
    values = itertools.count()
    r = Refreshing(lambda: next(values), ttl=0.05, what="test", background=True)
    first = r._value
    assert wait_for(lambda: r._value >= first + 2, timeout=5)  # reloaded twice, nobody asked
