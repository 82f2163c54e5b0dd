"""The loop that empties the spool into a target, one checkpointed batch at a time.

A target's `deliver(batch)` either delivers the whole batch (then the checkpoint moves past it) or
raises; the batch then stays pending and is offered again, marked `recovered`, until it succeeds.
Targets: the warehouse (embedded mode) and Kafka (production mode).

The loop survives any error (a full disk under its checkpoint, a damaged file, the target down),
retrying with backoff, and beats a heartbeat file (`HEARTBEAT` in the spool) at every pass that did
not fail: the collectors' health turns red when it is older than `STALL_SECONDS` while records wait
(collector/app.py), whether the drainer is stalled, failing or dead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from artaud.spool.reader import Batch, SpoolReader

log = logging.getLogger("artaud.spool")
HEARTBEAT = ".drained"
STALL_SECONDS = 60.0


def beat(root: Path) -> None:
    """The drainer is alive and not failing (its file's mtime)."""
    path = root / HEARTBEAT
    try:
        os.utime(path)
    except FileNotFoundError:
        with contextlib.suppress(OSError):
            path.touch()
    except OSError:
        pass


def stalled(root: Path, now: float | None = None, seconds: float = STALL_SECONDS) -> bool:
    """Whether the drainer has not beaten for `seconds` (never beaten: not stalled, not started)."""
    try:
        at = (root / HEARTBEAT).stat().st_mtime
    except OSError:
        return False
    return (time.time() if now is None else now) - at > seconds


@dataclass
class DrainStats:
    batches: int = 0
    records: int = 0
    failures: int = 0
    recovered_batches: int = 0
    uncertain_batches: int = 0
    last_error: str = ""


class DrainLoop:
    retry_on: tuple[type[Exception], ...] = (Exception,)
    name = "spool-drain"

    def __init__(self, reader: SpoolReader, batch_rows: int, batch_seconds: float) -> None:
        self.reader = reader
        self.batch_rows = batch_rows
        self.batch_seconds = batch_seconds
        self.drain_stats = DrainStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver(self, batch: Batch) -> int:
        raise NotImplementedError

    def step(self) -> int:
        """Deliver at most one batch; returns how many records it carried (0 if none was ready)."""
        batch = self.reader.next_batch(self.batch_rows)
        if batch is None:
            return 0
        if batch.recovered:
            self.drain_stats.recovered_batches += 1
        if batch.uncertain:
            self.drain_stats.uncertain_batches += 1
        self.deliver(batch)
        self.reader.commit(batch)
        self.drain_stats.batches += 1
        self.drain_stats.records += len(batch.payloads)
        return len(batch.payloads)

    def drain(self) -> int:
        """Deliver everything ready now (tests, shutdown)."""
        total = 0
        while (n := self.step()) > 0:
            total += n
        return total

    def run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                n = self.step()
                backoff = 0.5
            except Exception as exc:  # any error: retried, never the end of the loop
                self.drain_stats.failures += 1
                self.drain_stats.last_error = f"{type(exc).__name__}: {exc}"[:300]
                expected = isinstance(exc, self.retry_on)
                log.log(
                    logging.ERROR if expected else logging.CRITICAL,
                    "%s: %s failed, retrying in %.1fs: %s",
                    self.name,
                    "delivery" if expected else "a pass",
                    backoff,
                    exc,
                    exc_info=not expected,
                )
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            beat(self.reader.root)
            if n < self.batch_rows:
                self._stop.wait(max(0.0, self.batch_seconds - (time.monotonic() - started)))

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
