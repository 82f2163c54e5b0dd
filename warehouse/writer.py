"""Embedded mode: drains the spool straight into the warehouse, exactly once (see warehouse/loader.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import orjson

from artaud.spool.drain import DrainLoop
from artaud.spool.reader import Batch, SpoolReader
from artaud.warehouse.backend import Warehouse, WarehouseError
from artaud.warehouse.loader import ExactLoader

log = logging.getLogger("artaud.writer")


@dataclass
class Decoded:
    """A batch's payloads by kind: event rows, consent records (`"_t": "consent"`), suppressions
    (`"_t": "suppression"`), links between one person's pseudonyms (`"_t": "link"`), and how many
    payloads could not be decoded."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    suppressions: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    bad: int = 0


SIDE = {
    "consent": ("consents", "consent_id"),
    "suppression": ("suppressions", "visitor"),
    "link": ("links", "linked"),
}


def decode_rows(payloads: list[bytes]) -> Decoded:
    out = Decoded()
    for p in payloads:
        try:
            row = orjson.loads(p)
        except orjson.JSONDecodeError:
            out.bad += 1
            continue
        side = SIDE.get(str(row.get("_t"))) if isinstance(row, dict) else None
        if side is not None and side[1] in row:
            getattr(out, side[0]).append(row)
        elif isinstance(row, dict) and "_t" not in row and "event_id" in row and "cinema_id" in row:
            out.rows.append(row)
        else:
            out.bad += 1
    return out


class SpoolDrainer(DrainLoop):
    retry_on = (WarehouseError,)
    name = "spool-drainer"

    def __init__(
        self, reader: SpoolReader, wh: Warehouse, batch_rows: int = 20_000, batch_seconds: float = 1.0
    ):
        super().__init__(reader, batch_rows, batch_seconds)
        self.wh = wh
        self.loader = ExactLoader(wh)
        self.bad_records = 0

    def deliver(self, batch: Batch) -> int:
        d = decode_rows(batch.payloads)
        if d.bad:
            self.bad_records += d.bad
            log.error("%d undecodable spool record(s) in %s skipped", d.bad, batch.token)
        return self.loader.load(
            d.rows,
            batch.token,
            recovered=batch.recovered,
            # read again after a lost checkpoint: each record checked by event id
            maybe_replayed=d.rows if batch.uncertain else (),
            consents=d.consents,
            suppressions=d.suppressions,
            links=d.links,
        )
