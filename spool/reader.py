"""Draining side of the spool: batches with deterministic tokens and a two-step checkpoint.

Per writer directory a `checkpoint` file says how far it was inserted. Before a batch is
inserted its range is recorded as `pending`; after the insert the checkpoint moves past
it. After a crash the pending range is re-read byte for byte with the same token, so the
warehouse can tell whether that exact batch already landed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from spool.frames import Corrupt, decode

log = logging.getLogger("artaud.spool")


@dataclass(frozen=True)
class Batch:
    writer: str
    segment: int
    start: int
    end: int
    payloads: list[bytes]
    recovered: bool  # re-read from a pending range after a crash

    @property
    def token(self) -> str:
        return f"{self.writer}:{self.segment}:{self.start}-{self.end}"


def _segments(d: Path) -> list[int]:
    out = []
    for f in d.iterdir():
        if f.suffix == ".seg":
            with contextlib.suppress(ValueError):
                out.append(int(f.stem))
    return sorted(out)


def _alive(d: Path) -> bool:
    try:
        fd = os.open(d / "lock", os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _stale(d: Path, seconds: float = 300.0) -> bool:
    try:
        return time.time() - d.stat().st_mtime > seconds
    except FileNotFoundError:
        return False


class SpoolReader:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.corrupt_bytes = 0
        self._rr = 0

    # -- checkpoints --------------------------------------------------------
    def _cp_path(self, writer: str) -> Path:
        return self.root / writer / "checkpoint"

    def _checkpoint(self, writer: str) -> dict[str, int]:
        try:
            data = json.loads(self._cp_path(writer).read_text())
            return {k: int(v) for k, v in data.items()}
        except FileNotFoundError:
            return {"segment": 1, "offset": 0}

    def _save(self, writer: str, cp: dict[str, int]) -> None:
        path = self._cp_path(writer)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w") as fh:
            json.dump(cp, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    # -- reading ------------------------------------------------------------
    def writers(self) -> list[str]:
        names = []
        for d in self.root.iterdir():
            if not d.is_dir():
                continue
            if d.name.startswith("w-"):
                names.append(d.name)
            elif d.name.startswith(".w-") and _stale(d) and not _alive(d):
                shutil.rmtree(d, ignore_errors=True)  # a writer that died while starting
        return sorted(names)

    def next_batch(self, max_records: int) -> Batch | None:
        """The next batch from any writer (round robin), or None if nothing is ready."""
        names = self.writers()
        for i in range(len(names)):
            name = names[(self._rr + i) % len(names)]
            batch = self._batch_from(name, max_records)
            if batch is not None:
                self._rr = (self._rr + i + 1) % max(len(names), 1)
                return batch
        return None

    def _batch_from(self, writer: str, max_records: int) -> Batch | None:
        d = self.root / writer
        cp = self._checkpoint(writer)
        if "pending_end" in cp:
            path = d / f"{cp['segment']:012d}.seg"
            with open(path, "rb") as fh:
                fh.seek(cp["offset"])
                buf = fh.read(cp["pending_end"] - cp["offset"])
            payloads, _, _ = decode(buf, 1 << 30)
            return Batch(writer, cp["segment"], cp["offset"], cp["pending_end"], payloads, True)
        alive = _alive(d)
        while True:
            segs = [s for s in _segments(d) if s >= cp["segment"]]
            if not segs:
                if not alive and not _segments(d):
                    shutil.rmtree(d, ignore_errors=True)
                return None
            seg = segs[0]
            if seg != cp["segment"]:
                cp = {"segment": seg, "offset": 0}
            sealed = len(segs) > 1 or not alive
            path = d / f"{seg:012d}.seg"
            with open(path, "rb") as fh:
                fh.seek(cp["offset"])
                buf = fh.read(64 << 20)
            try:
                payloads, used, torn = decode(buf, max_records)
            except Corrupt as exc:
                log.error("spool segment %s/%s corrupt (%s); skipping the rest of it", writer, seg, exc)
                self.corrupt_bytes += len(buf)
                cp = {"segment": seg, "offset": cp["offset"] + len(buf)}
                self._save(writer, cp)
                continue
            if payloads:
                end = cp["offset"] + used
                self._save(writer, {"segment": seg, "offset": cp["offset"], "pending_end": end})
                return Batch(writer, seg, cp["offset"], end, payloads, False)
            if not sealed:
                return None
            if torn:
                log.error("spool segment %s/%s ends inside a record; %d bytes skipped", writer, seg, len(buf))
                self.corrupt_bytes += len(buf)
            # sealed and fully read: drop it and move on
            path.unlink(missing_ok=True)
            cp = {"segment": seg + 1, "offset": 0}
            self._save(writer, cp)

    def commit(self, batch: Batch) -> None:
        """The batch is in the warehouse: move the checkpoint past it."""
        self._save(batch.writer, {"segment": batch.segment, "offset": batch.end})

    def backlog_bytes(self) -> int:
        total = 0
        for name in self.writers():
            cp = self._checkpoint(name)
            for seg in _segments(self.root / name):
                if seg < cp["segment"]:
                    continue
                try:
                    size = (self.root / name / f"{seg:012d}.seg").stat().st_size
                except FileNotFoundError:
                    continue
                total += size - (cp["offset"] if seg == cp["segment"] else 0)
        return total
