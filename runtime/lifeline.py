"""Processes that never outlive what started them, and one service per data directory.

- `die_with_parent`: the kernel signals this process when the one that started it dies, whatever
  killed it (`PR_SET_PDEATHSIG`; Linux). The collector's granian server is started through
  `runtime/launch_collector.py`, which sets it against the supervisor; each granian worker sets it
  against the granian server when it builds its app (`artaud.wiring.collector_rsgi`). A supervisor
  killed with `kill -9` takes the server with it, and the server its workers: no half-service keeps
  acknowledging hits that nothing drains.
- `InstanceLock`: the supervisor holds an exclusive lock on `<data dir>/run.lock` for its life (a
  second `artaud run` on the same data directory refuses to start), and each collector worker holds a
  shared lock on `<data dir>/workers.lock`: before it starts its own, a supervisor waits until it can
  take that lock exclusively, that is until no worker of an earlier run is alive, and refuses to start
  beside one. Locks held by a process go when it dies, however it dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import signal
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM, parent: int | None = None) -> bool:
    """Have the kernel send `sig` to this process when its parent dies; exit at once if the parent
    (`parent`, when given) is already gone. False where the kernel cannot do it (not Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        ok = bool(libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False
    if (parent is not None and os.getppid() != parent) or os.getppid() == 1:
        os._exit(1)  # the parent died before the kernel was told to watch it
    return ok


class Busy(Exception):
    """The lock is held by another process."""


class InstanceLock:
    def __init__(self, path: Path, shared: bool = False) -> None:
        self.path = path
        self.shared = shared
        self._fd: int | None = None

    def acquire(self, wait: float = 0.0) -> InstanceLock:
        """Take the lock, waiting up to `wait` seconds; Busy when another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        mode = (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, mode)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise Busy(str(self.path)) from None
                time.sleep(0.05)
        if not self.shared:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def holder(self) -> str:
        """The pid written by the exclusive holder, for an error message ("" if unknown)."""
        with contextlib.suppress(OSError):
            return self.path.read_text().strip()
        return ""

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()
