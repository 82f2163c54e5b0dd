"""Rate limits per API key (IO-free): a token bucket refilled continuously, told to the caller.

A partner's limit of N calls a minute is a bucket of N calls refilled at N/60 a second: N calls at
once, then one every 60/N seconds. Every answer to a keyed call says where the bucket stands, in the
IETF `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy: "default";q=N;w=60`
and `RateLimit: "default";r=<calls left>;t=<seconds until the bucket is full again>`; a refusal adds
`Retry-After`, the seconds until the next call is allowed.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

POLICY = "default"


@dataclass(frozen=True)
class Quota:
    wait: float  # 0 when the call may go ahead, else seconds to wait before asking again
    remaining: int  # calls left now
    reset: int  # seconds until the bucket is full again
    limit: int  # the bucket's size
    window: int  # seconds to refill it from empty

    def headers(self) -> dict[str, str]:
        out = {
            "RateLimit-Policy": f'"{POLICY}";q={self.limit};w={self.window}',
            "RateLimit": f'"{POLICY}";r={self.remaining};t={self.reset}',
        }
        if self.wait > 0:
            out["Retry-After"] = str(math.ceil(self.wait))
        return out


class RateLimiter:
    def __init__(
        self, per_minute: int, burst: int | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else per_minute)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> Quota:
        """Take one call from `key`'s bucket if there is one, and say where the bucket stands."""
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate if self.rate > 0 else 3600.0
            self._buckets[key] = (tokens, now)
        refill = (self.burst - tokens) / self.rate if self.rate > 0 else 3600.0
        window = math.ceil(self.burst / self.rate) if self.rate > 0 else 3600
        return Quota(wait, int(tokens), math.ceil(refill - 1e-9), int(self.burst), window)

    def take(self, key: str) -> float:
        """0 when the call may go ahead, else the seconds to wait before asking again."""
        return self.check(key).wait
