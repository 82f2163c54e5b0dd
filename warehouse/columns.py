"""The events table's columns and how a spool record's JSON value becomes a driver value."""

from __future__ import annotations

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
    "ingest_token": str,
}
COLUMNS: tuple[str, ...] = tuple(TYPES)
