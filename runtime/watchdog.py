"""A watchdog for the collector's worker processes: a frozen worker is replaced, not waited for.

Each worker beats from its own event loop (a file `<pid>.beat` touched every second, in
`<data>/workers/`): a worker stopped (SIGSTOP, a stuck disk read) or whose loop is stuck stops beating,
and the connections that land on it would hang while the other workers keep `/healthz` green. The
supervisor kills a worker silent for `collector.worker_stall_seconds`; granian starts another
(`--respawn-failed-workers`). Its clients see their connection closed, never an acknowledgement
that was not written: nothing is lost, the tag retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("artaud.watchdog")
BEAT_SECONDS = 1.0


def beat_dir(data_dir: Path) -> Path:
    return data_dir / "workers"


def start_beating(directory: Path, loop: asyncio.AbstractEventLoop) -> None:
    """In a worker: touch `<pid>.beat` from the event loop, every BEAT_SECONDS, for as long as it runs."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{os.getpid()}.beat"

    def beat() -> None:
        with contextlib.suppress(OSError):  # a full disk: the mtime still moves where it can
            path.touch()
        loop.call_later(BEAT_SECONDS, beat)

    loop.call_soon(beat)


def stalled(
    directory: Path,
    pids: Iterable[int],
    seconds: float,
    now: float | None = None,
    first_seen: dict[int, float] | None = None,
) -> list[int]:
    """The workers among `pids` whose last beat is older than `seconds`, and those that never beat
    though seen for 3 × `seconds` (frozen while starting); `first_seen`: when each pid was first
    seen (updated here; without it, a worker that never beat is taken for starting)."""
    now = time.time() if now is None else now
    out = []
    for pid in pids:
        try:
            at = (directory / f"{pid}.beat").stat().st_mtime
        except OSError:
            if first_seen is None:
                continue
            at = first_seen.setdefault(pid, now) + 2 * seconds  # a grace of 3 × seconds to start
        if now - at > seconds:
            out.append(pid)
    if first_seen is not None:
        for gone in set(first_seen) - set(pids):
            del first_seen[gone]
    return sorted(out)


class Watchdog:
    """The supervisor's side: call `check(workers)` every few seconds."""

    def __init__(self, directory: Path, seconds: float) -> None:
        self.directory = directory
        self.seconds = seconds
        self.first_seen: dict[int, float] = {}

    def check(self, workers: Iterable[int]) -> list[int]:
        """SIGKILL the stalled workers (granian starts others); forget the beats of dead workers."""
        alive = set(workers)
        killed = []
        for pid in stalled(self.directory, alive, self.seconds, first_seen=self.first_seen):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                log.error(
                    "collector worker %d sent no beat for %.0f s: killed, granian starts another",
                    pid,
                    self.seconds,
                )
        with contextlib.suppress(OSError):
            for beat in self.directory.glob("*.beat"):
                pid = int(beat.stem) if beat.stem.isdigit() else -1
                if pid not in alive or pid in killed:
                    beat.unlink(missing_ok=True)
        return killed
