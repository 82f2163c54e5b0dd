"""Retention by partition: events older than N months are dropped, whole months at a time."""

from __future__ import annotations

from datetime import date

from warehouse.backend import Warehouse


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
    rows = wh.query(
        f"SELECT DISTINCT partition FROM system.parts WHERE database = '{wh.database}' "
        f"AND table = 'events' AND active"
    )
    dropped = expired_partitions([str(r[0]) for r in rows], today, months)
    for p in dropped:
        wh.execute(f"ALTER TABLE {wh.database}.events DROP PARTITION {p}")
    return dropped
