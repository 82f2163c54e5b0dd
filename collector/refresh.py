"""A value reloaded from the control plane every `ttl` seconds, in the background: a slow or failing
control plane never blocks hits once a first copy is loaded. With `background`, a thread reloads it
on schedule whether requests come or not, so a change (a partner's new sync URL, a suspended cinema)
is seen within `ttl` by every worker, even an idle one; otherwise the first request after `ttl`
starts the reload."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger("artaud.collector")
T = TypeVar("T")


class Refreshing(Generic[T]):
    def __init__(
        self,
        loader: Callable[[], T],
        ttl: float,
        what: str,
        clock: Callable[[], float] = time.monotonic,
        background: bool = False,
    ) -> None:
        self._loader = loader
        self._ttl = ttl
        self._what = what
        self._clock = clock
        self._value = loader()
        self._at = clock()
        self._refreshing = threading.Lock()
        if background:
            threading.Thread(target=self._schedule, name=f"refresh {what}", daemon=True).start()

    def _schedule(self) -> None:
        while True:
            time.sleep(self._ttl)
            if self._refreshing.acquire(blocking=False):
                self._refresh()

    def get(self) -> T:
        if self._clock() - self._at > self._ttl and self._refreshing.acquire(blocking=False):
            threading.Thread(target=self._refresh, daemon=True).start()
        return self._value

    def _refresh(self) -> None:
        try:
            self._value = self._loader()
        except Exception:  # keep serving the last good copy
            log.warning("%s refresh failed; serving the last good copy", self._what, exc_info=True)
        finally:
            self._at = self._clock()
            self._refreshing.release()
