"""A spool writer directory's checkpoint (IO-free): how far its records were delivered.

Stored as JSON with a CRC-32 of its fields, so that a garbled checkpoint is recognised as such rather
than read as a wrong position: `parse` returns None for anything this code did not write, intact.

Fields: `segment` and `offset` (the next record to deliver); `pending_end` while a batch read from
there is being delivered; `horizon_segment` and `horizon_offset` after a checkpoint was rebuilt: up to
there, records may already be stored and are checked by event id.
"""

from __future__ import annotations

import json
import zlib

KEYS = ("segment", "offset", "pending_end", "horizon_segment", "horizon_offset")
START = {"segment": 1, "offset": 0}


def _body(cp: dict[str, int]) -> bytes:
    return json.dumps({k: cp[k] for k in KEYS if k in cp}, sort_keys=True, separators=(",", ":")).encode()


def dump(cp: dict[str, int]) -> bytes:
    fields = {k: cp[k] for k in KEYS if k in cp}
    return json.dumps(
        {**fields, "crc": zlib.crc32(_body(cp))}, sort_keys=True, separators=(",", ":")
    ).encode()


def parse(raw: bytes) -> dict[str, int] | None:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict) or set(doc) - {*KEYS, "crc"} or not {"segment", "offset", "crc"} <= set(doc):
        return None
    if not all(type(v) is int and v >= 0 for v in doc.values()):
        return None
    cp = {k: int(doc[k]) for k in KEYS if k in doc}
    if zlib.crc32(_body(cp)) != doc["crc"] or cp["segment"] < 1:
        return None
    if "pending_end" in cp and cp["pending_end"] <= cp["offset"]:
        return None
    if ("horizon_segment" in cp) != ("horizon_offset" in cp):
        return None
    return cp
