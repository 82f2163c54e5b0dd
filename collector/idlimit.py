"""How many new first-party identifiers one network may bring to one site (IO-free).

A site key is public and the `Origin` header is the client's to write: anyone can post consented
beacons with identifiers of their own making. Credible members (seen on two days) make that costly;
this makes it slow: in an hour, one network (/24 or /48) may bring at most `per_hour` distinct
identifiers to one site's pooled audience; the next ones' hits go to the exempt track (counted,
`artaud_ids_limited_total`). Nothing here is an address: networks and identifiers are held as keyed
hashes under the day's salt, in memory, for the hour (each worker counts its own share).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class NewIdLimit:
    def __init__(
        self, per_hour: int, max_networks: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_hour = per_hour
        self.max_networks = max_networks
        self.clock = clock
        self._hour = -1
        self._seen: OrderedDict[str, set[str]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, network: str, identifier: str, spend: bool = True) -> bool:
        """Whether `identifier` may join the pooled audience from `network` this hour; `spend=False`
        answers without counting it (the installation check is a dry run)."""
        if self.per_hour <= 0:
            return True
        hour = int(self.clock() // 3600)
        with self._lock:
            if hour != self._hour:
                self._hour, self._seen = hour, OrderedDict()
            if not spend:
                seen = self._seen.get(network, set())
                return identifier in seen or len(seen) < self.per_hour
            ids = self._seen.get(network)
            if ids is None:
                ids = self._seen[network] = set()
                while len(self._seen) > self.max_networks:
                    self._seen.popitem(last=False)
            else:
                self._seen.move_to_end(network)
            if identifier in ids:
                return True
            if len(ids) >= self.per_hour:
                return False
            ids.add(identifier)
            return True
