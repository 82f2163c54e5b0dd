"""Warehouse read models for the console and the simulator's summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from artaud.admin.dashboard import Day
from artaud.collector.salts import local_day
from artaud.warehouse.backend import Warehouse
from artaud.warehouse.sql import integer, quote, to_date


@dataclass(frozen=True)
class CinemaCounts:
    cinema_id: int
    events: int
    exempt: int
    pooled: int
    bots: int
    visitors_today: int


def counts_by_cinema(wh: Warehouse) -> list[CinemaCounts]:
    rows = wh.query(
        f"SELECT cinema_id, uniqExact(event_id), uniqExactIf(event_id, track = 'exempt'), "
        f"uniqExactIf(event_id, track = 'pooled'), uniqExactIf(event_id, is_bot = 1), "
        f"uniqExactIf(visitor, event_date = {to_date(local_day(datetime.now(UTC)))}) "
        f"FROM {wh.database}.events GROUP BY cinema_id ORDER BY cinema_id"
    )
    return [CinemaCounts(*(int(v) for v in r)) for r in rows]


def counts_for_prefix(wh: Warehouse, prefix: str) -> dict[int, tuple[int, int]]:
    """Per cinema (rows, distinct event ids) whose event id starts with `prefix` (letters, digits, dashes)."""
    # checked though it is escaped: `_` and `%` in it would be LIKE wildcards, not characters
    if not prefix or not all(ch.isalnum() or ch == "-" for ch in prefix):
        raise ValueError("prefix must be letters, digits and dashes")
    rows = wh.query(
        f"SELECT cinema_id, count(), uniqExact(event_id) FROM {wh.database}.events "
        f"WHERE event_id LIKE {quote(prefix + '%')} GROUP BY cinema_id"
    )
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}


RECENT_FIELDS = (
    "event_id",
    "received_at",
    "event_name",
    "track",
    "url_host",
    "url_path",
    "film_ref",
    "film_key",
    "is_bot",
    "value_cents",
    "consent_source",
    "consent_purposes",
    "consent_objection",
    "consent_id",
    "visitor",
)


def recent_events(
    wh: Warehouse, cinema_id: int, path_prefix: str = "", limit: int = 50
) -> list[dict[str, object]]:
    """The last events of one cinema, newest first: what a webmaster checks after installing the tag
    (which track each hit landed in, and why). Pseudonymous columns only."""
    where = f"cinema_id = {integer(cinema_id)}"
    if path_prefix:
        where += f" AND startsWith(url_path, {quote(path_prefix)})"
    rows = wh.query(
        f"SELECT event_id, toString(received_at), event_name, toString(track), url_host, url_path, film_ref, "
        f"film_key, is_bot, value_cents, consent_source, consent_purposes, consent_objection, consent_id, visitor "
        f"FROM {wh.database}.events FINAL WHERE {where} ORDER BY received_at DESC, event_id LIMIT {integer(limit)}"
    )
    return [dict(zip(RECENT_FIELDS, r, strict=True)) for r in rows]


def daily(wh: Warehouse, days: int, today: date) -> list[Day]:
    """The last `days` days up to `today`, every day present (zeros where nothing came)."""
    first = today - timedelta(days=days - 1)
    rows = wh.query(
        f"SELECT event_date, count(), countIf(track = 'pooled'), uniqExactIf(visitor, track = 'pooled') "
        f"FROM {wh.database}.events WHERE event_date >= {to_date(first)} AND event_date <= {to_date(today)} "
        f"AND is_bot = 0 GROUP BY event_date ORDER BY event_date"
    )
    return [
        Day(d, int(r[1]), int(r[2]), int(r[3])) if r else Day(d, 0, 0, 0)
        for d, r in every_day(rows, first, days)
    ]


def every_day(
    rows: list[tuple[Any, ...]], first: date, days: int
) -> list[tuple[date, tuple[Any, ...] | None]]:
    """Rows keyed by their first column (a day) laid on every day from `first`: None where none came."""
    got = {(r[0] if isinstance(r[0], date) else date.fromisoformat(str(r[0]))): r for r in rows}
    return [(first + timedelta(days=i), got.get(first + timedelta(days=i))) for i in range(days)]
