"""What the latest builds published (read model for the console, the CLI and, next, the partners)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from artaud.warehouse.backend import Warehouse
from artaud.warehouse.sql import quote


@dataclass(frozen=True)
class CatalogEntry:
    key: str
    segment_id: str
    segment_version: int
    build_id: str
    built_at: str
    members: int
    cinemas: int
    top_share: float
    published: bool
    published_size: int
    refusal: str


def latest(wh: Warehouse) -> list[CatalogEntry]:
    """Each segment key as its most recent build left it."""
    # the build id breaks ties between builds of the same second, so every column is read from the
    # same build row
    last = "(built_at, build_id)"
    rows = wh.query(
        f"SELECT segment_key, argMax(segment_id, {last}), argMax(segment_version, {last}), "
        f"argMax(build_id, {last}), toString(max(built_at)), argMax(members, {last}), "
        f"argMax(cinemas, {last}), argMax(top_share, {last}), argMax(published, {last}), "
        f"argMax(published_size, {last}), argMax(refusal, {last}) "
        f"FROM {wh.database}.segment_builds GROUP BY segment_key ORDER BY segment_key"
    )
    return [
        CatalogEntry(
            key=str(r[0]),
            segment_id=str(r[1]),
            segment_version=int(r[2]),
            build_id=str(r[3]),
            built_at=str(r[4]),
            members=int(r[5]),
            cinemas=int(r[6]),
            top_share=float(r[7]),
            published=bool(int(r[8])),
            published_size=int(r[9]),
            refusal=str(r[10]),
        )
        for r in rows
    ]


def drop_old_snapshots(wh: Warehouse, today: date, keep_days: int, export_days: int = 90) -> list[str]:
    """Drop the daily partitions of build snapshots older than `keep_days` (their results stay in
    `segment_builds`), and those of export lists and removals older than `export_days`
    (`partners.window_days`: the guards' baseline; no export lives longer)."""
    dropped = []
    for table, days in (
        ("segment_members", keep_days),
        ("segment_visitors", keep_days),
        ("export_lists", export_days),
        ("export_removals", export_days),
    ):
        first_kept = today - timedelta(days=days)
        rows = wh.query(
            f"SELECT DISTINCT partition FROM system.parts WHERE database = {quote(wh.database)} "
            f"AND table = {quote(table)} AND active"
        )
        for (partition,) in rows:
            day = str(partition).strip("'")
            try:
                when = date.fromisoformat(day)
            except ValueError:
                continue
            if when < first_kept:
                wh.execute(f"ALTER TABLE {wh.database}.{table} DROP PARTITION {quote(day)}")
                dropped.append(f"{table}:{day}")
    return dropped
