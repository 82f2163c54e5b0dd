"""Draining side of the spool: batches with deterministic tokens and a two-step checkpoint.

Per writer directory a `checkpoint` file says how far it was delivered. Before a batch is
delivered its range is recorded as `pending`; after delivery the checkpoint moves past it.
After a crash the pending range is re-read byte for byte with the same token, so the target
can tell whether that exact batch already landed.

Damage costs only what it touches. A bad record is skipped up to the next good one
(spool/frames.py); its bytes go to `quarantine/` and are counted. A checkpoint is written
atomically with its own checksum and validated on read; one that is missing while its writer's
data was already drained, or unreadable, is not trusted: the writer's backlog is read again from
its oldest segment up to where it ended when the checkpoint was found bad (the horizon), each
batch marked `uncertain`, and the target checks those records by event id. Nothing is lost and
nothing is stored twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from artaud.spool import checkpoint
from artaud.spool.frames import FILE_MAGIC, Corrupt, decode, decode_v1

log = logging.getLogger("artaud.spool")
READ = 64 << 20


@dataclass(frozen=True)
class Batch:
    writer: str
    segment: int
    start: int
    end: int
    payloads: list[bytes]
    recovered: bool  # re-read from a pending range after a crash
    uncertain: bool = False  # read again after a lost checkpoint: some records may be stored already

    @property
    def token(self) -> str:
        return f"{self.writer}:{self.segment}:{self.start}-{self.end}"


def _segments(d: Path) -> list[int]:
    out = []
    with contextlib.suppress(FileNotFoundError):
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
        self.corrupt_bytes = 0  # bytes skipped as damage
        self.quarantined_records = 0  # damaged ranges skipped (one per bad record at most)
        self.checkpoint_resets = 0  # checkpoints found missing or unreadable, rebuilt uncertain
        self._rr = 0

    # -- checkpoints --------------------------------------------------------
    def _cp_path(self, writer: str) -> Path:
        return self.root / writer / "checkpoint"

    def _checkpoint(self, writer: str, repair: bool = True) -> dict[str, int]:
        """The writer's checkpoint; one missing or unreadable is rebuilt (`_reset`), or, with
        `repair` False (a reader of the backlog's size, on another thread), taken as the start."""
        path = self._cp_path(writer)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:  # a writer creates its checkpoint with its directory
            if not repair or not _segments(path.parent):
                return dict(checkpoint.START)
            return self._reset(writer, "missing")
        cp = checkpoint.parse(raw)
        if cp is None:
            return self._reset(writer, "unreadable") if repair else dict(checkpoint.START)
        return cp

    def _reset(self, writer: str, why: str) -> dict[str, int]:
        d = self.root / writer
        segs = _segments(d)
        last = segs[-1] if segs else 1
        try:
            end = (d / f"{last:012d}.seg").stat().st_size
        except FileNotFoundError:
            end = 0
        cp = {"segment": segs[0] if segs else 1, "offset": 0, "horizon_segment": last, "horizon_offset": end}
        self.checkpoint_resets += 1
        log.error(
            "spool %s: checkpoint %s; its backlog is read again from segment %d, each record checked by "
            "event id up to segment %d at %d",
            writer,
            why,
            cp["segment"],
            last,
            end,
        )
        self._save(writer, cp)
        return cp

    def _save(self, writer: str, cp: dict[str, int]) -> None:
        path = self._cp_path(writer)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            fh.write(checkpoint.dump(cp))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    @staticmethod
    def _horizon(cp: dict[str, int], segment: int, offset: int) -> dict[str, int]:
        """The horizon fields to keep in a checkpoint at (segment, offset): none once passed."""
        if "horizon_segment" not in cp:
            return {}
        if (segment, offset) >= (cp["horizon_segment"], cp["horizon_offset"]):
            return {}
        return {"horizon_segment": cp["horizon_segment"], "horizon_offset": cp["horizon_offset"]}

    # -- quarantine -----------------------------------------------------------
    def _quarantine(self, writer: str, seg: int, start: int, data: bytes) -> None:
        target = self.root / "quarantine" / f"{writer}-{seg:012d}-{start}.bad"
        if target.exists():  # the same range read again (a pending batch retried): counted once
            return
        self.quarantined_records += 1
        self.corrupt_bytes += len(data)
        log.error(
            "spool %s/%d: %d damaged byte(s) at %d skipped and quarantined", writer, seg, len(data), start
        )
        try:
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(data)
        except OSError as exc:  # a full disk: counted and logged, not kept
            log.error("spool: the damaged bytes could not be quarantined: %s", exc)

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

    def _read(self, path: Path, offset: int, size: int) -> tuple[bytes, bool, int]:
        """(bytes from offset, whether they reach the end of the file, where records start)."""
        with open(path, "rb") as fh:
            v2 = fh.read(len(FILE_MAGIC)) == FILE_MAGIC
            first = len(FILE_MAGIC) if v2 else 0
            offset = max(offset, first)
            fh.seek(offset)
            buf = fh.read(size)
            at_end = fh.tell() >= os.fstat(fh.fileno()).st_size
        return buf, at_end, (first if v2 else -1)

    def _batch_from(self, writer: str, max_records: int) -> Batch | None:
        d = self.root / writer
        cp = self._checkpoint(writer)
        horizon = self._horizon(cp, cp["segment"], cp["offset"])
        if "pending_end" in cp:
            path = d / f"{cp['segment']:012d}.seg"
            try:
                buf, _, first = self._read(path, cp["offset"], cp["pending_end"] - cp["offset"])
            except FileNotFoundError:  # removed by hand: nothing to re-read, the checkpoint moves on
                log.error("spool %s: segment %d of a pending batch is missing", writer, cp["segment"])
                return Batch(writer, cp["segment"], cp["offset"], cp["pending_end"], [], True, bool(horizon))
            if first >= 0:  # the same bytes as before: the same records, less any damaged since
                got = decode(buf, 1 << 30, final=True)
                for s, e in got.damage:
                    self._quarantine(writer, cp["segment"], cp["offset"] + s, buf[s:e])
                payloads = got.payloads
            else:
                try:
                    payloads, _, _ = decode_v1(buf, 1 << 30)
                except Corrupt:
                    payloads = []
            return Batch(
                writer, cp["segment"], cp["offset"], cp["pending_end"], payloads, True, bool(horizon)
            )
        alive = _alive(d)
        while True:
            segs = [s for s in _segments(d) if s >= cp["segment"]]
            if not segs:
                if not alive and not _segments(d):
                    shutil.rmtree(d, ignore_errors=True)
                return None
            seg = segs[0]
            if seg != cp["segment"]:
                cp = {"segment": seg, "offset": 0, **self._horizon(cp, seg, 0)}
            sealed = len(segs) > 1 or not alive
            path = d / f"{seg:012d}.seg"
            buf, at_end, first = self._read(path, cp["offset"], READ)
            start = max(cp["offset"], first)
            horizon = self._horizon(cp, seg, start)
            if first >= 0:
                got = decode(buf, max_records, final=sealed and at_end)
                for s, e in got.damage:
                    self._quarantine(writer, seg, start + s, buf[s:e])
                payloads, used, torn = got.payloads, got.consumed, got.waiting
                if not payloads and got.damage:
                    cp = {"segment": seg, "offset": start + used, **self._horizon(cp, seg, start + used)}
                    self._save(writer, cp)
                    continue
            else:
                try:
                    payloads, used, torn = decode_v1(buf, max_records)
                except Corrupt as exc:
                    log.error(
                        "spool segment %s/%s corrupt (%s); skipping the rest of its read", writer, seg, exc
                    )
                    self._quarantine(writer, seg, start, buf)
                    cp = {"segment": seg, "offset": start + len(buf), **horizon}
                    self._save(writer, cp)
                    continue
            if payloads:
                end = start + used
                self._save(writer, {"segment": seg, "offset": start, "pending_end": end, **horizon})
                return Batch(writer, seg, start, end, payloads, False, bool(horizon))
            if not (sealed and at_end):
                return None
            if torn and first < 0:
                self._quarantine(writer, seg, start, buf)
            # sealed and fully read: drop it and move on
            path.unlink(missing_ok=True)
            cp = {"segment": seg + 1, "offset": 0, **self._horizon(cp, seg + 1, 0)}
            self._save(writer, cp)

    def commit(self, batch: Batch) -> None:
        """The batch is delivered: move the checkpoint past it."""
        cp = self._checkpoint(batch.writer)
        self._save(
            batch.writer,
            {"segment": batch.segment, "offset": batch.end, **self._horizon(cp, batch.segment, batch.end)},
        )

    def check(self) -> int:
        """Validate every writer's checkpoint now, rebuilding those found missing or unreadable;
        returns how many were rebuilt (the drainer's first pass does the same, writer by writer)."""
        before = self.checkpoint_resets
        for name in self.writers():
            self._checkpoint(name)
        return self.checkpoint_resets - before

    def backlog_bytes(self) -> int:
        total = 0
        for name in self.writers():
            cp = self._checkpoint(name, repair=False)
            for seg in _segments(self.root / name):
                if seg < cp["segment"]:
                    continue
                try:
                    size = (self.root / name / f"{seg:012d}.seg").stat().st_size
                except FileNotFoundError:
                    continue
                total += size - (cp["offset"] if seg == cp["segment"] else 0)
        return total
