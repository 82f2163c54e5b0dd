"""Bounded load that records which hits were acknowledged (2xx), for fault tests."""

from __future__ import annotations

import threading

from tests.integration.client import HitClient


class AckLoad:
    def __init__(
        self, url: str, site_key: str, host: str, prefix: str, threads: int = 4, per_thread: int = 20_000
    ):
        self.url, self.site_key, self.host, self.prefix = url, site_key, host, prefix
        self.acked: set[str] = set()
        self.sent = 0
        self.refused_503 = 0
        self.other: dict[int, int] = {}  # any other status: never expected (a 500 is a bug)
        self.errors = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(n, per_thread), daemon=True) for n in range(threads)
        ]

    def start(self) -> AckLoad:
        for t in self._threads:
            t.start()
        return self

    def _run(self, n: int, count: int) -> None:
        client = HitClient(self.url)
        for k in range(count):
            if self._stop.is_set():
                break
            eid = f"{self.prefix}-{n}-{k:06d}"
            try:
                status, _ = client.beacon(
                    self.site_key, self.host, [{"n": "page_view", "u": f"https://{self.host}/", "i": eid}]
                )
            except OSError:
                with self._lock:
                    self.errors += 1
                self._stop.wait(0.05)
                continue
            with self._lock:
                self.sent += 1
                if status == 204:
                    self.acked.add(eid)
                elif status == 503:
                    self.refused_503 += 1
                else:
                    self.other[status] = self.other.get(status, 0) + 1
        client.close()

    def wait_for(self, n: int, timeout: float = 60.0) -> None:
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        while len(self.acked) < n and not deadline.is_set() and any(t.is_alive() for t in self._threads):
            deadline.wait(0.05)
        timer.cancel()

    def stop(self) -> set[str]:
        self._stop.set()
        for t in self._threads:
            t.join(30)
        return set(self.acked)
