"""Build realistic event records for warehouse tests (the collector's own builder, no HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from artaud.collector.agents import Agent
from artaud.collector.events import Edge, build_events
from artaud.collector.hit import RawEvent, RawHit
from artaud.collector.pseudonym import Pseudonymiser
from artaud.consent.decision import Signals, decide


def records(n: int, cinema: int = 1, when: datetime | None = None, prefix: str = "evt") -> list[bytes]:
    when = when or datetime(2026, 11, 23, 12, tzinfo=UTC)
    edge = Edge(
        cinema_id=cinema,
        received_at=when,
        agent=Agent("desktop", "Firefox", "Linux", False),
        region="FR-IDF",
        exempt_visitor="d.x",
        exempt_salt=b"s" * 32,
        decision=decide(Signals("pool")),
    )
    hit = RawHit(
        site_key="sk_abcdefgh",
        visitor_id="visitor-123",
        events=tuple(
            RawEvent(name="page_view", url="https://a.example/", event_id=f"{prefix}-{i:08d}")
            for i in range(n)
        ),
    )
    return [json.dumps(e).encode() for e in build_events(hit, edge, Pseudonymiser(b"k" * 32, 1), frozenset())]


def consent_proof(day: str, cinema: int = 1) -> dict[str, object]:
    """A consent record of the tag's own choice, recorded at noon on `day` (YYYY-MM-DD)."""
    return {
        "consent_id": "c-" + day,
        "recorded_at": day + " 12:00:00",
        "record_date": day,
        "cinema_id": cinema,
        "source": "tag",
        "signal": "measure,pool",
        "purposes": "measure,pool",
        "policy_version": "1",
        "signal_hash": "",
        "key_version": 1,
    }
