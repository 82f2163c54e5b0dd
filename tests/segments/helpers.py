"""Synthetic warehouse rows for segment tests: events as the collector writes them."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from artaud.segments.rules import CinemaInfo

TODAY = date(2026, 11, 24)
_ids = itertools.count()

# ten cinemas: categories A-E, labels; cinema 10 is suspended
CINEMAS = [
    CinemaInfo(1, "A", ("RD", "JP")),
    CinemaInfo(2, "A", ("RD",)),
    CinemaInfo(3, "B", ("JP",)),
    CinemaInfo(4, "B", ()),
    CinemaInfo(5, "C", ("RD",)),
    CinemaInfo(6, "C", ("JP",)),
    CinemaInfo(7, "D", ("RD",)),
    CinemaInfo(8, "D", ()),
    CinemaInfo(9, "E", ("JP", "PR")),
    CinemaInfo(10, "E", ("RD",), active=False),
]


def event(
    visitor: str,
    cinema: int,
    days_ago: int = 0,
    name: str = "page_view",
    *,
    track: str = "pooled",
    purposes: str = "measure,pool",
    film_ref: str = "",
    region: str = "FR-IDF",
    bot: int = 0,
    hour: int = 12,
) -> dict[str, Any]:
    day = TODAY - timedelta(days=days_ago)
    return {
        "event_id": f"seg-{next(_ids):09d}",
        "received_at": f"{day.isoformat()} {hour:02d}:00:00",
        "event_date": day.isoformat(),
        "cinema_id": cinema,
        "track": track,
        "visitor": visitor,
        "key_version": 1 if track == "pooled" else 0,
        "event_name": name,
        "url_host": "cinema.example",
        "url_path": "/",
        "url_params": "",
        "referrer_host": "",
        "film_key": "",
        "film_title": "",
        "film_ref": film_ref,
        "show_id": "",
        "show_start": "",
        "version": "",
        "quantity": 1 if name == "purchase" else 0,
        "value_cents": 750 if name == "purchase" else 0,
        "currency": "EUR" if name == "purchase" else "",
        "order_hash": "",
        "region": region,
        "device_class": "desktop",
        "browser_family": "Firefox",
        "os_family": "Linux",
        "is_bot": bot,
        "consent_source": "tag" if track == "pooled" else "none",
        "consent_purposes": purposes if track == "pooled" else "measure",
        "consent_objection": "",
        "consent_id": "c.x" if track == "pooled" else "",
    }
