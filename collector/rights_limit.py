"""How many rights requests one client address may make a minute (IO-free; in memory, never stored).

Fixed one-minute windows: the count of each address in the current minute, forgotten when the minute
ends. The table is bounded: when `max_addresses` addresses have asked within one minute, new ones are
refused until it ends (a flood of spoofed addresses cannot grow memory without bound)."""

from __future__ import annotations

import threading
from collections.abc import Callable


class AddressLimit:
    def __init__(self, per_minute: int, clock: Callable[[], float], max_addresses: int = 100_000) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._max = max_addresses
        self._minute = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        minute = int(self._clock() // 60)
        with self._lock:
            if minute != self._minute:
                self._minute, self._counts = minute, {}
            seen = self._counts.get(address)
            if seen is None and len(self._counts) >= self._max:
                return False
            if (seen or 0) >= self.per_minute:
                return False
            self._counts[address] = (seen or 0) + 1
            return True
