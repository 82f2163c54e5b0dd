"""A value reloaded from the control plane every `ttl` seconds, in the background of a request: a
slow or failing control plane never blocks hits once a first copy is loaded."""

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
    ) -> None:
        self._loader = loader
        self._ttl = ttl
        self._what = what
        self._clock = clock
        self._value = loader()
        self._at = clock()
        self._refreshing = threading.Lock()

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
