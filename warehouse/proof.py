"""Consent proof: the consent record behind an event or behind every pooled event of a visitor.

Two plain queries (events, then records by id) rather than a JOIN, so the same SQL runs on chdb and on
ClickHouse 18.16.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from artaud.warehouse.backend import Warehouse
from artaud.warehouse.sql import integer, quote, quote_list

RECORD_FIELDS = (
    "consent_id",
    "recorded_at",
    "cinema_id",
    "source",
    "signal",
    "signal_hash",
    "key_version",
    "purposes",
    "policy_version",
)


@dataclass(frozen=True)
class Proof:
    event_id: str
    received_at: str
    cinema_id: int
    track: str
    visitor: str
    record: dict[str, Any] | None  # None: no consent record (exempt track, or an event from before proofs)
    objection: str = ""  # the event's objection to the pooled track: "gpc", "dnt", "limited" or ""


def consent_behind(
    wh: Warehouse, event_ids: Sequence[str] = (), visitor: str = "", limit: int = 1000
) -> list[Proof]:
    if not event_ids and not visitor:
        raise ValueError("give event ids or a visitor pseudonym")
    db = wh.database
    where = f"event_id IN ({quote_list(event_ids)})" if event_ids else f"visitor = {quote(visitor)}"
    events = wh.query(
        f"SELECT event_id, toString(received_at), cinema_id, toString(track), visitor, consent_id, "
        f"consent_objection FROM {db}.events "
        f"WHERE {where} ORDER BY received_at, event_id LIMIT {integer(limit)}"
    )
    ids = sorted({str(r[5]) for r in events if r[5]})
    records: dict[str, dict[str, Any]] = {}
    if ids:
        rows = wh.query(
            f"SELECT consent_id, toString(recorded_at), cinema_id, source, signal, signal_hash, key_version, "
            "purposes, policy_version "
            f"FROM {db}.consent_records WHERE consent_id IN ({quote_list(ids)})"
        )
        for r in rows:
            records.setdefault(str(r[0]), dict(zip(RECORD_FIELDS, r, strict=True)))
    return [
        Proof(
            str(r[0]),
            str(r[1]),
            int(r[2]),
            str(r[3]),
            str(r[4]),
            records.get(str(r[5])) if r[5] else None,
            str(r[6] or ""),
        )
        for r in events
    ]
