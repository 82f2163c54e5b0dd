"""Appending side of the spool: an EventSink that survives process crashes."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from collector.sink import SinkFull
from spool.frames import encode


def spool_bytes(root: Path) -> int:
    total = 0
    try:
        writers = list(os.scandir(root))
    except FileNotFoundError:
        return 0
    for w in writers:
        if not w.is_dir():
            continue
        try:
            for f in os.scandir(w.path):
                if f.name.endswith(".seg"):
                    with contextlib.suppress(FileNotFoundError):
                        total += f.stat().st_size
        except FileNotFoundError:
            continue
    return total


class SpoolWriter:
    """One per process. `append` returns once the bytes are in the OS (safe against a
    crash of this process); a background thread fsyncs every `fsync_interval_ms`."""

    def __init__(self, root: Path, max_bytes: int, segment_bytes: int, fsync_interval_ms: int = 200) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes
        root.mkdir(parents=True, exist_ok=True)
        # The directory appears under its `w-` name only once its lock is held: a reader that finds a
        # `w-` directory without a held lock takes its writer for dead and removes it when empty.
        name = f"w-{os.getpid()}-{secrets.token_hex(4)}"
        staging = root / f".{name}"
        staging.mkdir()
        self._lock_fd = os.open(staging / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.dir = root / name
        os.rename(staging, self.dir)
        self._lock = threading.Lock()
        self._seq = 0
        self._fd = -1
        self._size = 0
        self._dirty = False
        self._closed = False
        self._total = spool_bytes(root)
        self._total_at = time.monotonic()
        self._roll()
        self._interval = fsync_interval_ms / 1000
        self._stop = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, name="spool-fsync", daemon=True)
        self._syncer.start()

    def _roll(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
        self._seq += 1
        path = self.dir / f"{self._seq:012d}.seg"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._size = 0

    def _current_total(self) -> int:
        now = time.monotonic()
        if now - self._total_at > 0.25:
            self._total = spool_bytes(self.root)
            self._total_at = now
        return self._total

    def append(self, records: Sequence[bytes]) -> None:
        data = encode(records)
        with self._lock:
            if self._closed:
                raise SinkFull("spool is closed")
            if self._current_total() + len(data) > self.max_bytes:
                raise SinkFull("spool is full")
            if self._size and self._size + len(data) > self.segment_bytes:
                self._roll()
            written = os.write(self._fd, data)
            if written != len(data):  # disk full: never acknowledge a partial write
                raise SinkFull("short write to the spool")
            self._size += written
            self._total += written
            self._dirty = True

    def healthy(self) -> bool:
        """False when closed or when less than 64 KiB (a few requests) of room is left."""
        return not self._closed and self._current_total() + 65536 <= self.max_bytes

    def _sync_loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.sync()

    def sync(self) -> None:
        with self._lock:
            if self._dirty and self._fd >= 0:
                os.fsync(self._fd)
                self._dirty = False

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._fd >= 0:
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = -1
        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        os.close(self._lock_fd)
