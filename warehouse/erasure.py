"""Erasure of a pooled visitor (right to erasure): a suppression so the pseudonym is never built,
exported or collected into a segment again, and the deletion of everything stored under it."""

from __future__ import annotations

import re
from datetime import datetime

from warehouse.backend import Warehouse
from warehouse.loader import SUPPRESSION_COLUMNS, sql_str

_POOLED = re.compile(r"^p\d{1,5}\.[0-9A-Za-z]{1,64}$")
# export_members keeps the pseudonym until its export expires: that is how the partner's next delta
# tells it to remove the person (propagating the erasure to the destination); the suppression keeps
# it out of every new export.
TABLES = ("events", "segment_members", "segment_visitors")


class BadPseudonym(ValueError):
    pass


def erase(wh: Warehouse, visitor: str, when: datetime, cinema_id: int = 0) -> None:
    """Suppress first (so no build or export started meanwhile includes the visitor), then delete
    the visitor's rows from every table that holds the pooled pseudonym (ClickHouse mutations)."""
    if not _POOLED.match(visitor):
        raise BadPseudonym("a pooled pseudonym looks like p<key version>.<hex>")
    wh.insert_rows(
        "suppressions", SUPPRESSION_COLUMNS, [(visitor, "erase", when.replace(tzinfo=None), cinema_id)]
    )
    for table in TABLES:
        wh.execute(f"ALTER TABLE {wh.database}.{table} DELETE WHERE visitor = {sql_str(visitor)}")
