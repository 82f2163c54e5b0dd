"""IO-free: failed sign-ins per key (a client, or an account from one client), in memory only (nothing
about a client is stored): past `limit` failures in the last `window` seconds, the key's next
attempts are refused until the oldest failure is `window` old. An attempt is counted before it is checked (`reserve`), so attempts sent in
parallel are all counted, and given back when it succeeds (`refund`). At most `max_clients` are tracked (the
oldest forgotten first), so a flood of addresses cannot grow memory without bound."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

WINDOW = 60.0


class FailureThrottle:
    def __init__(
        self,
        limit: int,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.limit, self.window, self.clock, self.max_clients = limit, window, clock, max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        seen = self._failures.get(key)
        if seen is None:
            return deque()
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        return seen

    def reserve(self, key: str) -> float:
        """Count an attempt now, before it is checked (attempts in parallel are all counted): 0 when
        it may go on, else the seconds to wait (and nothing is counted)."""
        with self._lock:
            now = self.clock()
            seen = self._recent(key, now)
            if len(seen) >= self.limit:
                return max(0.0, self.window - (now - seen[0]))
            seen.append(now)
            self._failures[key] = seen
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)
            return 0.0

    def refund(self, key: str) -> None:
        """The attempt succeeded: it does not count as a failure."""
        with self._lock:
            seen = self._failures.get(key)
            if seen:
                seen.pop()

    def clear(self, key: str) -> None:
        """A success ends the run of failures: the key starts again from nothing."""
        with self._lock:
            self._failures.pop(key, None)
