"""Erasure of a pooled visitor (right to erasure): suppression first, so the person is never built,
exported or collected into a segment again; then the deletion of everything stored under any of
their pseudonyms (every key version still linked to them: `visitor_links`).

What partners received of the person leaves the export records too: each partner's pseudonym of
them is first queued for removal (`export_removals`, delivered with that partner's next export as a
plain removal, saying nothing of its cause), then the rows go.

`request_erasure` is the one way a request is handled, whoever sends it (the console's page, its
API, `artaud erase`): filed in the control plane's register (controlplane/erasure_requests.py) as
received, carried out, then marked done with what was done, or failed with a French reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from artaud.controlplane.erasure_requests import ErasureRequest, ErasureRequests
from artaud.errors import InvalidInput
from artaud.warehouse.backend import Warehouse, WarehouseError
from artaud.warehouse.loader import POOLED, SUPPRESSION_COLUMNS
from artaud.warehouse.sql import quote, quote_list, to_date

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


def check_pseudonym(visitor: str) -> None:
    if not POOLED.match(visitor):
        raise BadPseudonym("a pooled pseudonym looks like p<key version>.<hex>")


@dataclass(frozen=True)
class Erased:
    pseudonyms: list[str]  # the person's pseudonyms, every one now on the suppression list
    events: int  # event rows deleted
    removals: int  # partner lists the person was in: a removal queued for each

    def summary(self) -> dict[str, int]:
        """What the register keeps of it (controlplane/erasure_requests.py, `done`)."""
        return {"suppressed": len(self.pseudonyms), "events": self.events, "removals": self.removals}


def erase(wh: Warehouse, visitor: str, when: datetime, cinema_id: int = 0) -> list[str]:
    """Erase the person behind `visitor`; returns every pseudonym of theirs that was erased."""
    return erase_counted(wh, visitor, when, cinema_id).pseudonyms


def erase_counted(wh: Warehouse, visitor: str, when: datetime, cinema_id: int = 0) -> Erased:
    """`erase`, saying how many rows went (counted just before they are deleted)."""
    check_pseudonym(visitor)
    db = wh.database
    person = same_person(wh, visitor)
    them = quote_list(person)
    events, removals = (
        int(wh.query(f"SELECT count() FROM {db}.{table} WHERE visitor IN ({them})")[0][0])
        for table in ("events", "export_lists")
    )
    wh.insert_rows(
        "suppressions",
        SUPPRESSION_COLUMNS,
        [(p, "erase", when.replace(tzinfo=None), cinema_id) for p in person],
    )
    wh.execute(
        f"INSERT INTO {db}.export_removals (created_on, partner_slug, export_id, pseudonym) "
        f"SELECT {to_date(when.date())}, partner_slug, '', pseudonym "
        f"FROM {db}.export_lists WHERE visitor IN ({them})"
    )
    for table in TABLES:
        wh.execute(f"ALTER TABLE {db}.{table} DELETE WHERE visitor IN ({them})")
    wh.execute(f"ALTER TABLE {db}.visitor_links DELETE WHERE visitor IN ({them}) OR linked IN ({them})")
    return Erased(person, events, removals)


def request_erasure(
    register: ErasureRequests,
    wh: Warehouse,
    visitor: str,
    channel: str,
    requested_by: str,
    now: datetime,
    also: Sequence[str] = (),
    cinema_id: int = 0,
) -> ErasureRequest:
    """File a request for the person behind `visitor` and carry it out: recorded as received first
    (so a crash leaves a request the console shows as not done), then erased, then marked done with
    what was done. `also`: the same person's pseudonyms under other live key versions (a visitor's
    own request names every one of them: an old version's pseudonym without new hits is not linked
    to the newest). A pseudonym of the wrong shape is refused before anything is filed (BadPseudonym);
    a failure of the warehouse marks the request failed, with its reason in French, and is raised."""
    for pseudonym in (visitor, *also):
        check_pseudonym(pseudonym)
    filed = register.receive(visitor, channel, requested_by, now)
    try:
        parts = [erase_counted(wh, p, now, cinema_id) for p in dict.fromkeys((visitor, *also))]
        erased = Erased(
            sorted({p for part in parts for p in part.pseudonyms}),
            sum(part.events for part in parts),
            sum(part.removals for part in parts),
        )
    except WarehouseError:
        register.failed(
            filed.id, "L'entrepôt de données était indisponible : l'effacement est à relancer.", now
        )
        raise
    except Exception:
        register.failed(filed.id, "L'effacement s'est interrompu sur une erreur : il est à relancer.", now)
        raise
    return register.done(filed.id, erased.summary(), now)


def sweep(wh: Warehouse) -> None:
    """Delete again whatever is stored under an erased pseudonym: the rows of a batch that the loader
    checked just before an erasure and inserted just after it (warehouse/loader.py leaves out the
    rest at load). Idempotent; run after each erasure's in-flight window and on schedule."""
    db = wh.database
    erased = f"SELECT visitor FROM {db}.suppressions WHERE kind = 'erase'"
    # what a raced export gave a partner leaves it as a removal first, as an erasure does (a
    # removal queued twice is one: partners/exports.py reads them DISTINCT)
    wh.execute(
        f"INSERT INTO {db}.export_removals (created_on, partner_slug, export_id, pseudonym) "
        f"SELECT today(), partner_slug, '', pseudonym FROM {db}.export_lists WHERE visitor IN ({erased})"
    )
    for table in TABLES:
        wh.execute(f"ALTER TABLE {db}.{table} DELETE WHERE visitor IN ({erased})")
    wh.execute(f"ALTER TABLE {db}.visitor_links DELETE WHERE visitor IN ({erased}) OR linked IN ({erased})")
