"""Erasure of a pooled visitor (right to erasure): suppression first, so the person is never built,
exported or collected into a segment again; then the deletion of everything stored under any of
their pseudonyms (every key version still linked to them: `visitor_links`).

What partners received of the person leaves the export records too: each partner's pseudonym of
them is first queued for removal (`export_removals`, delivered with that partner's next export as a
plain removal, saying nothing of its cause), then the rows go.
"""

from __future__ import annotations

import re
from datetime import datetime

from artaud.errors import InvalidInput
from artaud.warehouse.backend import Warehouse
from artaud.warehouse.loader import SUPPRESSION_COLUMNS
from artaud.warehouse.sql import quote, quote_list, to_date

_POOLED = re.compile(r"^p\d{1,5}\.[0-9A-Za-z]{1,64}$")
TABLES = ("events", "segment_members", "segment_visitors", "export_lists")


class BadPseudonym(InvalidInput):
    code = "bad_pseudonym"


def same_person(wh: Warehouse, visitor: str) -> list[str]:
    """`visitor` and the person's pseudonyms under the other key versions still linked to it."""
    db, v = wh.database, quote(visitor)
    newest = f"SELECT visitor FROM {db}.visitor_links WHERE linked = {v}"
    rows = wh.query(
        f"SELECT DISTINCT p FROM (SELECT linked AS p FROM {db}.visitor_links WHERE visitor IN ({newest}) "
        f"OR visitor = {v} UNION ALL {newest})"
    )
    return [visitor, *sorted({str(r[0]) for r in rows} - {visitor})]


def erase(wh: Warehouse, visitor: str, when: datetime, cinema_id: int = 0) -> list[str]:
    """Erase the person behind `visitor`; returns every pseudonym of theirs that was erased."""
    if not _POOLED.match(visitor):
        raise BadPseudonym("a pooled pseudonym looks like p<key version>.<hex>")
    db = wh.database
    person = same_person(wh, visitor)
    wh.insert_rows(
        "suppressions",
        SUPPRESSION_COLUMNS,
        [(p, "erase", when.replace(tzinfo=None), cinema_id) for p in person],
    )
    them = quote_list(person)
    wh.execute(
        f"INSERT INTO {db}.export_removals (created_on, partner_slug, export_id, pseudonym) "
        f"SELECT {to_date(when.date())}, partner_slug, '', pseudonym "
        f"FROM {db}.export_lists WHERE visitor IN ({them})"
    )
    for table in TABLES:
        wh.execute(f"ALTER TABLE {db}.{table} DELETE WHERE visitor IN ({them})")
    wh.execute(f"ALTER TABLE {db}.visitor_links DELETE WHERE visitor IN ({them}) OR linked IN ({them})")
    return person


def sweep(wh: Warehouse) -> None:
    """Delete again whatever is stored under an erased pseudonym: the rows of a batch that the loader
    checked just before an erasure and inserted just after it (warehouse/loader.py leaves out the
    rest at load). Idempotent; run after each erasure's in-flight window and on schedule."""
    db = wh.database
    erased = f"SELECT visitor FROM {db}.suppressions WHERE kind = 'erase'"
    for table in TABLES:
        wh.execute(f"ALTER TABLE {db}.{table} DELETE WHERE visitor IN ({erased})")
