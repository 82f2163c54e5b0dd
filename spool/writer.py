"""Appending side of the spool: an EventSink that survives process crashes and disk errors.

A disk error is an ordinary event here: an append that fails (a full disk, an I/O error) or is
written short is rolled back to the segment's previous end before anything else is appended, and
answered as `SinkFull` (the collector's counted 503); a segment that cannot be rolled back is left
and a new one started (the reader resynchronises past the partial record: spool/frames.py). The
fsync thread outlives any error. `healthy()` is False while appends or fsyncs fail.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from artaud.collector.sink import SinkFull
from artaud.spool import checkpoint
from artaud.spool.drain import stalled
from artaud.spool.frames import FILE_MAGIC, encode

log = logging.getLogger("artaud.spool")
ERROR_HOLD_SECONDS = 2.0  # health stays red this long after a failed append


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

    def __init__(
        self,
        root: Path,
        max_bytes: int,
        segment_bytes: int,
        fsync_interval_ms: int = 200,
        reserve_bytes: int = 0,
    ) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes
        self.reserve_bytes = reserve_bytes  # free space left on the disk for the drainer
        root.mkdir(parents=True, exist_ok=True)
        # The directory appears under its `w-` name only once its lock is held: a reader that finds a
        # `w-` directory without a held lock takes its writer for dead and removes it when empty.
        name = f"w-{os.getpid()}-{secrets.token_hex(4)}"
        staging = root / f".{name}"
        staging.mkdir()
        (staging / "checkpoint").write_bytes(checkpoint.dump(checkpoint.START))  # nothing delivered yet
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
        self._broken = False  # the current segment ends in a partial record that could not be removed
        self.write_errors = 0
        self.fsync_errors = 0
        self._failed_at = -1e9
        self._fsync_failing = False
        self._stall_at, self._stalled = -1e9, False
        self._total = spool_bytes(root)
        self._total_at = -1e9
        self._free = 0
        self._current_total()
        try:
            self._roll()
        except OSError as exc:  # a full disk at start: the first append tries again
            self._write_failed(exc)
        self._interval = fsync_interval_ms / 1000
        self._stop = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, name="spool-fsync", daemon=True)
        self._syncer.start()

    def _roll(self) -> None:
        """Seal the current segment and start the next, which begins with the file magic."""
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            try:
                os.fsync(fd)
            except OSError as exc:
                self._fsync_error(exc)
            os.close(fd)
        self._seq += 1
        path = self.dir / f"{self._seq:012d}.seg"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            if os.write(fd, FILE_MAGIC) != len(FILE_MAGIC):
                raise OSError(28, "short write of the segment header")
        except OSError:
            os.close(fd)
            path.unlink(missing_ok=True)
            self._seq -= 1
            raise
        self._fd, self._size, self._broken = fd, len(FILE_MAGIC), False

    def _current_total(self) -> int:
        now = time.monotonic()
        if now - self._total_at > 0.25:
            self._total = spool_bytes(self.root)
            self._total_at = now
            try:
                st = os.statvfs(self.root)
                self._free = st.f_bavail * st.f_frsize
            except OSError:
                self._free = 0
        return self._total

    def _room(self, size: int) -> bool:
        """Whether `size` more bytes leave the disk its reserve (the free space is re-read at most
        every 0.25 s, and counted down by what this process appends meanwhile)."""
        return self._free - size >= self.reserve_bytes

    def append(self, records: Sequence[bytes]) -> None:
        data = encode(records)
        with self._lock:
            if self._closed:
                raise SinkFull("spool is closed")
            if self._current_total() + len(data) > self.max_bytes:
                raise SinkFull("spool is full")
            if not self._room(len(data)):
                # seal the segment now, so that the drainer can delete it once drained, and the disk
                # frees itself (a segment is deleted only once a newer one exists)
                if self._fd >= 0 and self._size > len(FILE_MAGIC) and self._free >= 65536:
                    with contextlib.suppress(OSError):
                        self._roll()
                self._failed_at = time.monotonic()
                raise SinkFull("the spool's disk is almost full")
            try:
                full = self._size + len(data) > self.segment_bytes and self._size > len(FILE_MAGIC)
                if self._fd < 0 or self._broken or full:
                    self._roll()
                written = os.write(self._fd, data)
            except OSError as exc:
                self._write_failed(exc)
                raise SinkFull(f"spool write failed: {exc.strerror or exc}") from None
            if written != len(data):  # never acknowledge a partial write, nor keep it
                self._write_failed(OSError(28, f"short write ({written} of {len(data)} bytes)"))
                raise SinkFull("short write to the spool")
            self._size += written
            self._total += written
            self._free -= written
            self._dirty = True

    def _write_failed(self, exc: OSError) -> None:
        """Roll the segment back to its last whole record (lock held)."""
        self.write_errors += 1
        self._failed_at = time.monotonic()
        if self._fd < 0:
            return
        try:
            os.ftruncate(self._fd, self._size)
        except OSError:
            self._broken = True  # the next append starts a new segment
        if self.write_errors == 1 or self.write_errors % 1000 == 0:
            log.error("spool: write failed (%d so far), answered 503: %s", self.write_errors, exc)

    def healthy(self) -> bool:
        return self.health() == "ok"

    def health(self) -> str:
        """Why the spool cannot be trusted with more now: closed; appends failing (and for
        ERROR_HOLD_SECONDS after) or fsyncs failing; less than 64 KiB (a few requests) of room; the
        drainer not beating (stalled, failing or dead: spool/drain.py). "ok" otherwise."""
        if self._closed:
            return "closed"
        if self._fsync_failing or time.monotonic() - self._failed_at < ERROR_HOLD_SECONDS:
            return "disk_error"
        if self._current_total() + 65536 > self.max_bytes or not self._room(65536):
            return "spool_full"
        now = time.monotonic()
        if now - self._stall_at > 1.0:
            self._stall_at, self._stalled = now, stalled(self.root)
        return "drain_stalled" if self._stalled else "ok"

    def _sync_loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.sync()

    def sync(self) -> None:
        """fsync what was appended; an error is logged, counted and retried at the next tick (the
        data stays in the page cache; health is red until an fsync succeeds)."""
        with self._lock:
            if self._dirty and self._fd >= 0:
                try:
                    os.fsync(self._fd)
                except OSError as exc:
                    self._fsync_error(exc)
                    return
                self._dirty = False
                self._fsync_failing = False

    def _fsync_error(self, exc: OSError) -> None:
        self.fsync_errors += 1
        self._fsync_failing = True
        if self.fsync_errors == 1 or self.fsync_errors % 100 == 0:
            log.error("spool: fsync failed (%d so far): %s", self.fsync_errors, exc)

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._fd >= 0:
                with contextlib.suppress(OSError):
                    os.fsync(self._fd)
                os.close(self._fd)
                self._fd = -1
        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        os.close(self._lock_fd)
