"""What a visitor can do from their page: withdraw their consent, or erase what is held.

A withdrawal writes the very suppression records the collector's `/c/w` writes (`suppression_record`,
one per pseudonym of the person, every live key version): no later build or export includes them.
An erasure goes through `erase_for_visitor`, the one seam to the erasure mechanism the console uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from artaud.collector.events import suppression_record
from artaud.controlplane.erasure_requests import ErasureRequests
from artaud.controlplane.store import ControlPlane
from artaud.rights.holdings import holds_anything
from artaud.warehouse import erasure
from artaud.warehouse.backend import Warehouse
from artaud.warehouse.loader import SUPPRESSION_COLUMNS, erased_pseudonyms, suppression_rows


def withdraw(wh: Warehouse, pseudonyms: Sequence[str], cinema_id: int, now: datetime) -> None:
    """Suppress the person from every later build and export (an erased pseudonym stays erased)."""
    erased = erased_pseudonyms(wh, pseudonyms)
    records = [suppression_record(p, cinema_id, now) for p in pseudonyms if p not in erased]
    if records:
        wh.insert_rows("suppressions", SUPPRESSION_COLUMNS, suppression_rows(records))


def erase_for_visitor(
    wh: Warehouse, cp: ControlPlane, pseudonyms: Sequence[str], cinema_id: int, now: datetime
) -> str:
    """Erase the person behind `pseudonyms` (every live key version of their id, and whatever each is
    linked to) as one request of the register the console lists (`request_erasure`, channel
    "visitor", asked by nobody the service knows); returns its id, the receipt shown to them."""
    if not pseudonyms:
        raise erasure.BadPseudonym("no pseudonym to erase")
    if not holds_anything(wh, pseudonyms):
        # nothing to erase (an id never pooled, or already erased): nothing is filed, so a made-up
        # id cannot fill the register or set the warehouse deleting; the page says nothing is held
        return ""
    done = erasure.request_erasure(
        ErasureRequests(cp.engine), wh, pseudonyms[0], "visitor", "", now, pseudonyms[1:], cinema_id
    )
    return done.id
