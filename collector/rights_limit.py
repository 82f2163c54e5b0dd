"""How many rights requests one client may make a minute (IO-free; in memory, never stored).

Fixed one-minute windows: the count of each client in the current minute, forgotten when the minute
ends. A client is its IPv4 address, or its IPv6 /64 (one subscriber's network: taking new addresses
inside it does not buy more requests). The table is bounded: past `max_addresses` clients within one
minute, the oldest is forgotten (a flood of spoofed addresses can neither grow memory without bound
nor lock everyone else out)."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable


def client_of(address: str) -> str:
    """The key a client is counted under: an IPv6 address's /64, anything else as it is."""
    if ":" not in address:
        return address
    try:
        return str(ipaddress.IPv6Network(f"{address.split('%')[0]}/64", strict=False))
    except ValueError:
        return address


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
        key = client_of(address)
        with self._lock:
            if minute != self._minute:
                self._minute, self._counts = minute, {}
            seen = self._counts.get(key, 0)
            if seen >= self.per_minute:
                return False
            if not seen and len(self._counts) >= self._max:
                del self._counts[next(iter(self._counts))]  # the oldest client of this minute
            self._counts[key] = seen + 1
            return True
