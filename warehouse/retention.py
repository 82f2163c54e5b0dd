"""Retention by partition: events older than N months are dropped, whole months at a time.

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


def enforce(wh: Warehouse, today: date, months: int) -> list[str]:
    [(newest,)] = wh.query(f"SELECT toString(max(event_date)) FROM {wh.database}.events")
    newest_day = date.fromisoformat(str(newest)) if newest and str(newest) > "1970-01-01" else None
    if newest_day is not None and (today - newest_day).days > MAX_AHEAD_DAYS:
        log.error(
            "retention refused: today (%s) is %d days after the newest event (%s); is the clock right?",
            today,
            (today - newest_day).days,
            newest_day,
        )
        return []
    rows = wh.query(
        f"SELECT DISTINCT partition FROM system.parts WHERE database = {quote(wh.database)} "
        f"AND table = 'events' AND active"
    )
    dropped = expired_partitions([str(r[0]) for r in rows], today, months)
    for p in dropped:
        wh.execute(f"ALTER TABLE {wh.database}.events DROP PARTITION {integer(int(p))}")
    return dropped
