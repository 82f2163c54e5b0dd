"""Links between one person's pooled pseudonyms under two key versions live only as long as the older
key: once it is destroyed, its pseudonyms must not be linkable to anyone, so their links go."""

from __future__ import annotations

from artaud.warehouse.backend import Warehouse
from artaud.warehouse.sql import integer, quote


def forget(wh: Warehouse, version: int) -> None:
    """Drop every link to a pseudonym of pooled key version `version` (its key was destroyed)."""
    prefix = quote(f"p{integer(version)}.")
    wh.execute(f"ALTER TABLE {wh.database}.visitor_links DELETE WHERE startsWith(linked, {prefix})")
