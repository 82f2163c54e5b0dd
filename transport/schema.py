"""The event schema on the Kafka topic (version 1), IO-free.

Value: the JSON object written by the collector: one event (the warehouse's columns except
`ingest_token`), or one consent record (`"_t": "consent"`, the `consent_records` columns) that the
pooled events of the same hit reference by `consent_id`. Key: the cinema id as decimal ASCII, so one cinema's events stay in order in one
partition and a replayed event lands in the partition of its original. Headers: `schema` = b"1";
`replay` = the spool batch token when the batch is re-sent after a crash (the ingester then checks
the warehouse by event id before inserting).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import orjson

SCHEMA_VERSION = b"1"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_STRINGS = (
    "event_id",
    "visitor",
    "event_name",
    "url_host",
    "url_path",
    "url_params",
    "referrer_host",
    "film_key",
    "film_title",
    "show_id",
    "show_start",
    "version",
    "currency",
    "order_hash",
    "region",
    "device_class",
    "browser_family",
    "os_family",
    "consent_source",
    "consent_purposes",
    "consent_objection",
)
_INTS = {
    "cinema_id": (1, 2**32 - 1),
    "key_version": (0, 65535),
    "quantity": (0, 65535),
    "value_cents": (-(2**63), 2**63 - 1),
    "is_bot": (0, 1),
}


class PoisonMessage(ValueError):
    """A message that can never become a warehouse row."""


_CONSENT_STRINGS = ("consent_id", "source", "signal", "purposes", "policy_version")


def _decode_consent(row: dict[str, Any]) -> dict[str, Any]:
    for name in _CONSENT_STRINGS:
        if not isinstance(row.get(name), str):
            raise PoisonMessage(f"consent record: {name} must be a string")
    if not row["consent_id"]:
        raise PoisonMessage("consent record: consent_id is empty")
    c = row.get("cinema_id")
    if not isinstance(c, int) or isinstance(c, bool) or not 1 <= c <= 2**32 - 1:
        raise PoisonMessage("consent record: cinema_id must be an integer")
    if not isinstance(row.get("record_date"), str) or not _DATE.match(row["record_date"]):
        raise PoisonMessage("consent record: record_date must be YYYY-MM-DD")
    if not isinstance(row.get("recorded_at"), str) or not _DATETIME.match(row["recorded_at"]):
        raise PoisonMessage("consent record: recorded_at must be YYYY-MM-DD hh:mm:ss")
    return row


def _decode_suppression(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("visitor", "kind"):
        if not isinstance(row.get(name), str) or not row[name]:
            raise PoisonMessage(f"suppression: {name} must be a non-empty string")
    if row["kind"] not in ("withdraw", "erase"):
        raise PoisonMessage("suppression: kind must be withdraw or erase")
    c = row.get("cinema_id")
    if not isinstance(c, int) or isinstance(c, bool) or not 0 <= c <= 2**32 - 1:
        raise PoisonMessage("suppression: cinema_id must be an integer")
    if not isinstance(row.get("suppressed_at"), str) or not _DATETIME.match(row["suppressed_at"]):
        raise PoisonMessage("suppression: suppressed_at must be YYYY-MM-DD hh:mm:ss")
    return row


_POOLED = re.compile(r"^p\d{1,5}\.[0-9A-Za-z]{1,64}$")


def _decode_link(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("visitor", "linked"):
        if not isinstance(row.get(name), str) or not _POOLED.match(row[name]):
            raise PoisonMessage(f"link: {name} must be a pooled pseudonym")
    if not isinstance(row.get("linked_on"), str) or not _DATE.match(row["linked_on"]):
        raise PoisonMessage("link: linked_on must be YYYY-MM-DD")
    return row


def decode_event(value: bytes | None) -> dict[str, Any]:
    """Parse and validate one message value (an event, or a consent record with `"_t": "consent"`),
    or raise PoisonMessage saying why."""
    if value is None:
        raise PoisonMessage("empty value")
    try:
        row = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise PoisonMessage(f"not UTF-8 JSON: {exc}") from None
    if not isinstance(row, dict):
        raise PoisonMessage("not a JSON object")
    if row.get("_t") == "consent":
        return _decode_consent(row)
    if row.get("_t") == "suppression":
        return _decode_suppression(row)
    if row.get("_t") == "link":
        return _decode_link(row)
    for name in ("consent_id", "film_ref"):  # added after schema 1 was first written: may be absent
        if not isinstance(row.get(name, ""), str):
            raise PoisonMessage(f"{name} must be a string")
    for name in _STRINGS:
        if not isinstance(row.get(name), str):
            raise PoisonMessage(f"{name} must be a string")
    if not row["event_id"]:
        raise PoisonMessage("event_id is empty")
    for name, (lo, hi) in _INTS.items():
        v = row.get(name)
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            raise PoisonMessage(f"{name} must be an integer in [{lo}, {hi}]")
    if row.get("track") not in ("exempt", "pooled"):
        raise PoisonMessage("track must be exempt or pooled")
    if not isinstance(row.get("event_date"), str) or not _DATE.match(row["event_date"]):
        raise PoisonMessage("event_date must be YYYY-MM-DD")
    if not isinstance(row.get("received_at"), str) or not _DATETIME.match(row["received_at"]):
        raise PoisonMessage("received_at must be YYYY-MM-DD hh:mm:ss")
    try:
        date.fromisoformat(row["event_date"])
        datetime.strptime(row["received_at"], "%Y-%m-%d %H:%M:%S")
    except ValueError as exc:
        raise PoisonMessage(f"bad date: {exc}") from None
    return row


def message_key(row_or_payload: dict[str, Any] | bytes) -> bytes:
    row = orjson.loads(row_or_payload) if isinstance(row_or_payload, bytes) else row_or_payload
    return str(int(row["cinema_id"])).encode()
