"""Warehouse read models for a cinema's own space: its own events only (one `cinema_id`), robots
aside, over the last days up to today (Paris). Each figure is one query over the cinema's part of the
table (its sort key starts with cinema_id, event_date); FINAL so a retried event counts once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from artaud.admin.own_figures import DAYS, TOP, OwnDay
from artaud.warehouse.backend import Warehouse
from artaud.warehouse.sql import integer, to_date


@dataclass(frozen=True)
class OwnStats:
    days: list[OwnDay]
    pages: list[tuple[str, int]]  # url_path, page views
    films: list[tuple[str, int]]  # film title, views of its page (view_item)
    steps: dict[str, int]  # event name → events
    agents: list[tuple[str, str, str, int]]  # device class, browser, OS, page views


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def own_stats(wh: Warehouse, cinema_id: int, today: date, days: int = DAYS) -> OwnStats:
    first = today - timedelta(days=days - 1)
    scope = (
        f"FROM {wh.database}.events FINAL WHERE cinema_id = {integer(cinema_id)} "
        f"AND event_date >= {to_date(first)} AND event_date <= {to_date(today)} AND is_bot = 0"
    )
    got = {
        _day(r[0]): OwnDay(_day(r[0]), int(r[1]), int(r[2]), int(r[3]))
        for r in wh.query(
            "SELECT event_date, countIf(event_name = 'page_view'), "
            "countIf(event_name = 'page_view' AND track = 'pooled'), uniqExactIf(visitor, track = 'pooled') "
            f"{scope} GROUP BY event_date ORDER BY event_date"
        )
    }
    every_day = [first + timedelta(days=i) for i in range(days)]
    pages = wh.query(
        f"SELECT url_path, count() AS n {scope} AND event_name = 'page_view' "
        f"GROUP BY url_path ORDER BY n DESC, url_path LIMIT {integer(TOP)}"
    )
    films = wh.query(
        f"SELECT film_title, count() AS n {scope} AND event_name = 'view_item' AND film_title != '' "
        f"GROUP BY film_title ORDER BY n DESC, film_title LIMIT {integer(TOP)}"
    )
    steps = wh.query(f"SELECT event_name, count() {scope} GROUP BY event_name")
    agents = wh.query(
        f"SELECT device_class, browser_family, os_family, count() {scope} AND event_name = 'page_view' "
        "GROUP BY device_class, browser_family, os_family"
    )
    return OwnStats(
        days=[got.get(d, OwnDay(d, 0, 0, 0)) for d in every_day],
        pages=[(str(r[0]), int(r[1])) for r in pages],
        films=[(str(r[0]), int(r[1])) for r in films],
        steps={str(r[0]): int(r[1]) for r in steps},
        agents=[(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in agents],
    )
