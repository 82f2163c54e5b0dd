"""Drains the spool into the warehouse: batched, checkpointed, exactly once.

Per batch: read (the reader records the pending range), drop duplicates it can see,
insert with the batch token in `ingest_token`, then commit the checkpoint. A batch
re-read after a crash asks the warehouse which of its event ids already carry its
token and inserts only the rest, so a crash at any point neither loses nor doubles.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spool.reader import Batch, SpoolReader
from warehouse.backend import Warehouse, WarehouseError

log = logging.getLogger("artaud.writer")


class RecentIds:
    """Two rotating generations of recently stored (cinema, event id) keys: bounded memory."""

    def __init__(self, per_generation: int = 500_000) -> None:
        self._limit = per_generation
        self._cur: set[int] = set()
        self._old: set[int] = set()

    @staticmethod
    def key(cinema: int, event_id: str) -> int:
        return hash((cinema, event_id))

    def __contains__(self, key: int) -> bool:
        return key in self._cur or key in self._old

    def add(self, key: int) -> None:
        self._cur.add(key)
        if len(self._cur) >= self._limit:
            self._old, self._cur = self._cur, set()


@dataclass
class WriterStats:
    batches: int = 0
    rows: int = 0
    duplicates: int = 0
    bad_records: int = 0
    recovered_batches: int = 0
    insert_errors: int = 0
    last_insert_seconds: float = 0.0
    by_cinema: dict[int, int] = field(default_factory=dict)


def _sql_str(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


class SpoolDrainer:
    def __init__(
        self, reader: SpoolReader, wh: Warehouse, batch_rows: int = 20_000, batch_seconds: float = 1.0
    ):
        self.reader = reader
        self.wh = wh
        self.batch_rows = batch_rows
        self.batch_seconds = batch_seconds
        self.recent = RecentIds()
        self.stats = WriterStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _decode(self, batch: Batch) -> list[dict[str, Any]]:
        rows = []
        for p in batch.payloads:
            try:
                row = json.loads(p)
            except (UnicodeDecodeError, json.JSONDecodeError):
                self.stats.bad_records += 1
                log.error("undecodable spool record in %s skipped", batch.token)
                continue
            rows.append(row)
        return rows

    def _already_inserted(self, batch: Batch, rows: Sequence[dict[str, Any]]) -> set[str]:
        days = sorted({r["event_date"] for r in rows})
        if not days:
            return set()
        found = self.wh.query(
            f"SELECT event_id FROM {self.wh.database}.events WHERE event_date >= {_sql_str(days[0])} "
            f"AND event_date <= {_sql_str(days[-1])} AND ingest_token = {_sql_str(batch.token)}"
        )
        return {str(r[0]) for r in found}

    def step(self) -> int:
        """Insert at most one batch; returns the number of rows inserted."""
        batch = self.reader.next_batch(self.batch_rows)
        if batch is None:
            return 0
        rows = self._decode(batch)
        if batch.recovered:
            self.stats.recovered_batches += 1
            present = self._already_inserted(batch, rows)
            for r in rows:
                if r["event_id"] in present:
                    self.recent.add(RecentIds.key(r["cinema_id"], r["event_id"]))
            rows = [r for r in rows if r["event_id"] not in present]
            if present:
                log.info(
                    "recovered batch %s: %d rows were already in, inserting %d",
                    batch.token,
                    len(present),
                    len(rows),
                )
        fresh, keys, in_batch = [], [], set()
        for r in rows:
            key = RecentIds.key(r["cinema_id"], r["event_id"])
            if key in self.recent or key in in_batch:
                self.stats.duplicates += 1
            else:
                in_batch.add(key)
                keys.append(key)
                fresh.append(r)
        if fresh:
            t0 = time.perf_counter()
            self.wh.insert_events(fresh, batch.token)  # on failure the batch stays pending and is retried
            self.stats.last_insert_seconds = time.perf_counter() - t0
        for key in keys:  # only ids that really landed count as seen
            self.recent.add(key)
        self.reader.commit(batch)
        self.stats.batches += 1
        self.stats.rows += len(fresh)
        for r in fresh:
            self.stats.by_cinema[r["cinema_id"]] = self.stats.by_cinema.get(r["cinema_id"], 0) + 1
        return len(fresh)

    def drain(self) -> int:
        """Insert everything ready now (tests, shutdown)."""
        total = 0
        while True:
            before = self.stats.batches
            total += self.step()
            if self.stats.batches == before:
                return total

    def run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                n = self.step()
                backoff = 0.5
            except WarehouseError as exc:
                self.stats.insert_errors += 1
                log.error("warehouse insert failed, retrying in %.1fs: %s", backoff, exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if n < self.batch_rows:
                self._stop.wait(max(0.0, self.batch_seconds - (time.monotonic() - started)))

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="spool-drainer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
