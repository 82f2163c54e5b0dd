"""Warehouse read models for the console and the simulator's summary."""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.backend import Warehouse


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
        f"uniqExactIf(visitor, event_date = today()) "
        f"FROM {wh.database}.events GROUP BY cinema_id ORDER BY cinema_id"
    )
    return [CinemaCounts(*(int(v) for v in r)) for r in rows]


def counts_for_prefix(wh: Warehouse, prefix: str) -> dict[int, tuple[int, int]]:
    """Per cinema (rows, distinct event ids) whose event id starts with `prefix` (letters, digits, dashes)."""
    if not prefix or not all(ch.isalnum() or ch == "-" for ch in prefix):
        raise ValueError("prefix must be letters, digits and dashes")
    rows = wh.query(
        f"SELECT cinema_id, count(), uniqExact(event_id) FROM {wh.database}.events "
        f"WHERE event_id LIKE '{prefix}%' GROUP BY cinema_id"
    )
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}
