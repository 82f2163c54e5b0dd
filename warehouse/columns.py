"""The events table's columns and how a spool record's JSON value becomes a driver value."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any


def _dt(v: Any) -> datetime:
    return datetime.strptime(v, "%Y-%m-%d %H:%M:%S")


def _d(v: Any) -> date:
    return date.fromisoformat(v)


TYPES: dict[str, Callable[[Any], Any]] = {
    "event_id": str,
    "received_at": _dt,
    "event_date": _d,
    "cinema_id": int,
    "track": str,
    "visitor": str,
    "key_version": int,
    "event_name": str,
    "url_host": str,
    "url_path": str,
    "url_params": str,
    "referrer_host": str,
    "film_key": str,
    "film_title": str,
    "film_ref": str,
    "show_id": str,
    "show_start": str,
    "version": str,
    "quantity": int,
    "value_cents": int,
    "currency": str,
    "order_hash": str,
    "region": str,
    "device_class": str,
    "browser_family": str,
    "os_family": str,
    "is_bot": int,
    "consent_source": str,
    "consent_purposes": str,
    "consent_objection": str,
    "consent_id": str,
    "ingest_token": str,
}
COLUMNS: tuple[str, ...] = tuple(TYPES)


CONSENT_TYPES: dict[str, Callable[[Any], Any]] = {
    "consent_id": str,
    "recorded_at": _dt,
    "record_date": _d,
    "cinema_id": int,
    "source": str,
    "signal": str,
    "signal_hash": str,
    "key_version": int,
    "purposes": str,
    "policy_version": str,
}
CONSENT_COLUMNS: tuple[str, ...] = tuple(CONSENT_TYPES)
LEGACY_TCF_SIGNAL = "legacy record: the TC string replaced by its SHA-256"


def consent_row(record: dict[str, Any]) -> dict[str, Any]:
    """A consent record ready for its table. One written before migration 13 (still in a spool) kept
    the whole TC string: the string is replaced by its SHA-256, as migration 13 does to the records
    at rest, so that no TC string reaches the warehouse (`consent/proof.py`)."""
    if "signal_hash" in record:
        return record
    out = {**record, "signal_hash": "", "key_version": 0}
    if record.get("source") == "tcf":
        out["signal_hash"] = "sha256:" + hashlib.sha256(str(record.get("signal", "")).encode()).hexdigest()
        out["signal"] = LEGACY_TCF_SIGNAL
    return out


# fields a spool record written before a migration may lack, with the column's default
DEFAULTS: dict[str, Any] = {"consent_id": "", "film_ref": ""}
