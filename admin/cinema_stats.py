"""Warehouse read models of one cinema's page: its tag's health (admin/cinema_health.py reads them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from artaud.admin.cinema_health import TagDay
from artaud.admin.stats import every_day
from artaud.warehouse.backend import Warehouse
from artaud.warehouse.sql import integer, to_date


def last_hit(wh: Warehouse, cinema_id: int) -> datetime | None:
    """When the cinema's last event arrived (UTC), robots included: the tag is there."""
    rows = wh.query(
        f"SELECT count(), toString(max(received_at)) FROM {wh.database}.events "
        f"WHERE cinema_id = {integer(cinema_id)}"
    )
    if not rows or not int(rows[0][0]):
        return None
    return datetime.fromisoformat(str(rows[0][1])).replace(tzinfo=UTC)


def tag_days(wh: Warehouse, cinema_id: int, days: int, today: date) -> list[TagDay]:
    """The cinema's hits per day, exempt and pooled, robots aside: every day present."""
    first = today - timedelta(days=days - 1)
    rows = wh.query(
        f"SELECT event_date, countIf(track = 'exempt'), countIf(track = 'pooled') "
        f"FROM {wh.database}.events WHERE cinema_id = {integer(cinema_id)} "
        f"AND event_date >= {to_date(first)} AND event_date <= {to_date(today)} AND is_bot = 0 "
        f"GROUP BY event_date ORDER BY event_date"
    )
    return [
        TagDay(d, int(r[1]), int(r[2])) if r else TagDay(d, 0, 0) for d, r in every_day(rows, first, days)
    ]


def consent_sources(wh: Warehouse, cinema_id: int, since: date) -> dict[str, int]:
    """The cinema's hits since `since` by consent source, robots aside."""
    rows = wh.query(
        f"SELECT consent_source, count() FROM {wh.database}.events "
        f"WHERE cinema_id = {integer(cinema_id)} AND event_date >= {to_date(since)} AND is_bot = 0 "
        f"GROUP BY consent_source"
    )
    return {str(r[0]): int(r[1]) for r in rows}
