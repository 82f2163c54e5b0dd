"""Embedded mode: drains the spool straight into the warehouse, exactly once (see warehouse/loader.py)."""

from __future__ import annotations

import logging
from typing import Any

import orjson

from spool.drain import DrainLoop
from spool.reader import Batch, SpoolReader
from warehouse.backend import Warehouse, WarehouseError
from warehouse.loader import ExactLoader

log = logging.getLogger("artaud.writer")


def decode_rows(
    payloads: list[bytes],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], int]:
    """Event rows, consent records (`"_t": "consent"`), suppressions (`"_t": "suppression"`) and how
    many payloads could not be decoded."""
    rows, consents, suppressions, bad = [], [], [], 0
    for p in payloads:
        try:
            row = orjson.loads(p)
        except orjson.JSONDecodeError:
            bad += 1
            continue
        if isinstance(row, dict) and row.get("_t") == "consent" and "consent_id" in row:
            consents.append(row)
        elif isinstance(row, dict) and row.get("_t") == "suppression" and "visitor" in row:
            suppressions.append(row)
        elif isinstance(row, dict) and "event_id" in row and "cinema_id" in row:
            rows.append(row)
        else:
            bad += 1
    return rows, consents, suppressions, bad


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
        rows, consents, suppressions, bad = decode_rows(batch.payloads)
        if bad:
            self.bad_records += bad
            log.error("%d undecodable spool record(s) in %s skipped", bad, batch.token)
        return self.loader.load(
            rows, batch.token, recovered=batch.recovered, consents=consents, suppressions=suppressions
        )
