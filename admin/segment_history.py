"""The « Segments » page's warehouse query: each segment key's published size on each build day (the
last build of the day, Europe/Paris) over a recent window, from the builds' record
(`segment_builds`; its rows outlive the dropped member snapshots)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from artaud.warehouse.backend import Warehouse
from artaud.warehouse.sql import to_datetime

PARIS = ZoneInfo("Europe/Paris")


def published_sizes(wh: Warehouse, first: date) -> list[tuple[date, str, int]]:
    """(Paris day, segment key, published size) from `first` on, for the keys the day's last build
    published (the builds' moments are stored naive in UTC)."""
    since = datetime.combine(first, datetime.min.time(), PARIS).astimezone(UTC) - timedelta(seconds=1)
    rows = wh.query(
        f"SELECT toString(built_at), build_id, segment_key, published, published_size "
        f"FROM {wh.database}.segment_builds WHERE built_at > {to_datetime(since.replace(tzinfo=None))} "
        f"ORDER BY built_at, build_id"
    )
    last: dict[tuple[date, str], tuple[bool, int]] = {}
    for at, _, key, published, size in rows:  # in build order: the day's last build stays
        moment = datetime.strptime(str(at), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).astimezone(PARIS)
        last[(moment.date(), str(key))] = (bool(int(published)), int(size))
    return [(d, key, size) for (d, key), (published, size) in sorted(last.items()) if published]
