"""Exactly-once loading of event rows into the warehouse, shared by the spool drainer and the ingester.

- a batch carries a deterministic token stored in `ingest_token`; a batch offered again after a crash
  (`recovered`) first asks the warehouse which of its event ids already carry that token;
- rows flagged as possible replays (re-sent to Kafka after a crash) are checked by event id;
- a bounded memory of recently stored (cinema, event id) drops client retries; it is filled from the
  warehouse's latest events before the first load, so that a retry arriving after a restart of the
  drainer or the ingester is still recognised;
- ids count as stored only after the insert succeeded;
- events of an erased person (a pseudonym suppressed as `erase`) still in the spool or in Kafka when
  the erasure arrived are left out here, at load: an erasure reaches hits in flight too. (A batch
  checked just before the erasure and inserted just after it is caught by `erasure.sweep`.)
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from artaud.warehouse.backend import Warehouse
from artaud.warehouse.sql import integer, quote, quote_list


def erased_pseudonyms(wh: Warehouse, visitors: Sequence[str], chunk: int = 1000) -> set[str]:
    """Those of `visitors` whose person was erased (suppressed as `erase`), queried in chunks. Only a
    pooled pseudonym can be erased: a batch of the exempt track alone costs no query."""
    wanted = sorted({v for v in visitors if POOLED.match(v)})
    out: set[str] = set()
    for i in range(0, len(wanted), chunk):
        found = wh.query(
            f"SELECT DISTINCT visitor FROM {wh.database}.suppressions "
            f"WHERE kind = 'erase' AND visitor IN ({quote_list(wanted[i : i + chunk])})"
        )
        out |= {str(r[0]) for r in found}
    return out


POOLED = re.compile(r"^p\d{1,5}\.[0-9A-Za-z]{1,64}$")  # a pooled pseudonym: p<key version>.<hash>


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
class LoadStats:
    batches: int = 0
    rows: int = 0
    duplicates: int = 0
    recovered_rows_present: int = 0
    erased: int = 0  # rows of erased people left out at load
    last_insert_seconds: float = 0.0
    by_cinema: dict[int, int] = field(default_factory=dict)


SUPPRESSION_COLUMNS = ("visitor", "kind", "suppressed_at", "cinema_id")
LINK_COLUMNS = ("visitor", "linked", "linked_on")


def suppression_rows(records: Sequence[dict[str, Any]]) -> list[tuple[str, str, datetime, int]]:
    """The `suppressions` rows of the collector's suppression records (`collector/events.py`): what
    a withdrawal on `/c/w` and one on the visitor's page (`rights/actions.py`) both write."""
    return [
        (
            str(s["visitor"]),
            str(s["kind"]),
            datetime.strptime(s["suppressed_at"], "%Y-%m-%d %H:%M:%S"),
            int(s["cinema_id"]),
        )
        for s in records
    ]


class ExactLoader:
    def __init__(self, wh: Warehouse, warm_rows: int = 500_000) -> None:
        self.wh = wh
        self.recent = RecentIds(per_generation=max(warm_rows, 1))
        self.stats = LoadStats()
        self._warm_rows = warm_rows
        self._warmed = warm_rows == 0

    def warm(self) -> int:
        """Remember the latest stored events (of the last two days, by arrival), as if this process
        had stored them: retries of them are dropped."""
        rows = self.wh.query(
            f"SELECT cinema_id, event_id FROM {self.wh.database}.events "
            f"WHERE event_date >= {quote((datetime.now(UTC).date() - timedelta(days=2)).isoformat())} "
            f"ORDER BY received_at DESC LIMIT {integer(self._warm_rows)}"
        )
        for cinema, event_id in reversed(rows):
            self.recent.add(RecentIds.key(int(cinema), str(event_id)))
        self._warmed = True
        return len(rows)

    def _day_range(self, rows: Sequence[dict[str, Any]]) -> str:
        days = sorted({str(r["event_date"]) for r in rows})
        return f"event_date >= {quote(days[0])} AND event_date <= {quote(days[-1])}"

    def present_with_token(self, rows: Sequence[dict[str, Any]], token: str) -> set[str]:
        if not rows:
            return set()
        found = self.wh.query(
            f"SELECT event_id FROM {self.wh.database}.events WHERE {self._day_range(rows)} "
            f"AND ingest_token = {quote(token)}"
        )
        return {str(r[0]) for r in found}

    def present_by_id(self, rows: Sequence[dict[str, Any]], chunk: int = 1000) -> set[tuple[int, str]]:
        """(cinema, event id) pairs of `rows` already stored; queried in chunks so that no query
        exceeds ClickHouse's max_query_size (256 KiB by default)."""
        out: set[tuple[int, str]] = set()
        for i in range(0, len(rows), chunk):
            part = rows[i : i + chunk]
            cinemas = ", ".join(integer(c) for c in sorted({r["cinema_id"] for r in part}))
            ids = quote_list(str(r["event_id"]) for r in part)
            found = self.wh.query(
                f"SELECT cinema_id, event_id FROM {self.wh.database}.events WHERE {self._day_range(part)} "
                f"AND cinema_id IN ({cinemas}) AND event_id IN ({ids})"
            )
            out |= {(int(r[0]), str(r[1])) for r in found}
        return out

    def load(
        self,
        rows: Sequence[dict[str, Any]],
        token: str,
        recovered: bool = False,
        maybe_replayed: Sequence[dict[str, Any]] = (),
        consents: Sequence[dict[str, Any]] = (),
        suppressions: Sequence[dict[str, Any]] = (),
        links: Sequence[dict[str, Any]] = (),
    ) -> int:
        """Insert the rows not stored yet; raises WarehouseError (nothing counted) on failure.
        Consent records go in first, so a stored pooled event never lacks its record (a record
        inserted twice collapses: identical records share one id in a ReplacingMergeTree)."""
        if not self._warmed:
            self.warm()
        if consents:
            self.wh.insert_consents(consents)
        erased = erased_pseudonyms(
            self.wh,
            [str(r.get("visitor") or "") for r in (*rows, *suppressions)]
            + [str(x.get("linked") or "") for x in links]
            + [str(x.get("visitor") or "") for x in links],
        )
        # an erased person stays erased: a later withdrawal of theirs (from the spool, Kafka or
        # their page) would replace the erasure's row (ReplacingMergeTree by visitor), and a link
        # in flight would join their pseudonyms again
        suppressions = [s for s in suppressions if str(s["visitor"]) not in erased]
        links = [x for x in links if str(x["visitor"]) not in erased and str(x["linked"]) not in erased]
        if suppressions:  # a suppression inserted twice collapses (ReplacingMergeTree by visitor)
            self.wh.insert_rows("suppressions", SUPPRESSION_COLUMNS, suppression_rows(suppressions))
        if links:  # one person's pseudonyms under two live key versions; twice collapses (Replacing)
            self.wh.insert_rows(
                "visitor_links",
                LINK_COLUMNS,
                [
                    (
                        str(x["visitor"]),
                        str(x["linked"]),
                        datetime.strptime(x["linked_on"], "%Y-%m-%d").date(),
                    )
                    for x in links
                ],
            )
        skip: set[tuple[int, str]] = set()
        if recovered:
            present = self.present_with_token(rows, token)
            skip |= {(int(r["cinema_id"]), str(r["event_id"])) for r in rows if r["event_id"] in present}
            self.stats.recovered_rows_present += len(present)
        if maybe_replayed:
            skip |= self.present_by_id(maybe_replayed)
        fresh, keys, in_batch = [], [], set()
        for r in rows:
            if erased and str(r.get("visitor") or "") in erased:
                self.stats.erased += 1
                continue
            key = RecentIds.key(r["cinema_id"], r["event_id"])
            if key in self.recent or key in in_batch or (r["cinema_id"], r["event_id"]) in skip:
                self.stats.duplicates += 1
                continue
            in_batch.add(key)
            keys.append(key)
            fresh.append(r)
        if fresh:
            t0 = time.perf_counter()
            self.wh.insert_events(fresh, token)
            self.stats.last_insert_seconds = time.perf_counter() - t0
        for key in keys:  # only ids that really landed count as seen
            self.recent.add(key)
        self.stats.batches += 1
        self.stats.rows += len(fresh)
        for r in fresh:
            self.stats.by_cinema[r["cinema_id"]] = self.stats.by_cinema.get(r["cinema_id"], 0) + 1
        return len(fresh)
