"""Retention by partition: events (and consent records, by their own period) older than N months are
dropped, whole months at a time.

The clock is not trusted blindly: when `today` is implausibly far ahead of the newest event stored
(`MAX_AHEAD_DAYS`: a clock years ahead would drop every partition), nothing is dropped and the
refusal is logged; an idle service merely keeps its data a little longer.
"""

from __future__ import annotations

import logging
from datetime import date

from artaud.warehouse.backend import Warehouse
from artaud.warehouse.sql import integer, quote

log = logging.getLogger("artaud.retention")
MAX_AHEAD_DAYS = 35
# the tables kept by monthly partition, and the day column their partitions follow
TABLES = frozenset({("events", "event_date"), ("consent_records", "record_date")})


def cutoff_partition(today: date, months: int) -> int:
    """The oldest YYYYMM partition still kept when keeping `months` months (current included)."""
    index = today.year * 12 + (today.month - 1) - (months - 1)
    return (index // 12) * 100 + index % 12 + 1


def expired_partitions(partitions: list[str], today: date, months: int) -> list[str]:
    keep_from = cutoff_partition(today, months)
    out = []
    for p in partitions:
        digits = p.strip("'")
        if digits.isdigit() and int(digits) < keep_from:
            out.append(digits)
    return sorted(out)


def enforce(
    wh: Warehouse, today: date, months: int, table: str = "events", day_column: str = "event_date"
) -> list[str]:
    """Drop `table`'s monthly partitions older than `months` months; returns the ones dropped."""
    if (table, day_column) not in TABLES:
        raise ValueError(f"no retention by month for {table}.{day_column}")
    [(newest,)] = wh.query(f"SELECT toString(max({day_column})) FROM {wh.database}.{table}")
    newest_day = date.fromisoformat(str(newest)) if newest and str(newest) > "1970-01-01" else None
    if newest_day is not None and (today - newest_day).days > MAX_AHEAD_DAYS:
        log.error(
            "retention of %s refused: today (%s) is %d days after the newest row (%s); is the clock right?",
            table,
            today,
            (today - newest_day).days,
            newest_day,
        )
        return []
    rows = wh.query(
        f"SELECT DISTINCT partition FROM system.parts WHERE database = {quote(wh.database)} "
        f"AND table = {quote(table)} AND active"
    )
    dropped = expired_partitions([str(r[0]) for r in rows], today, months)
    for p in dropped:
        wh.execute(f"ALTER TABLE {wh.database}.{table} DROP PARTITION {integer(int(p))}")
    return dropped
