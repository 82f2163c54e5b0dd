"""The collector's settings, as the hit pipeline and its adapter read them (built from
`[collector]`, `[privacy]` and `[consent]` of the configuration by `runtime/wiring.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from artaud.collector.tag import DEFAULT_TAG_WAIT_MS
from artaud.consent.decision import Policy


@dataclass(frozen=True)
class CollectorConfig:
    max_body_bytes: int = 16384
    max_events_per_batch: int = 50
    allowed_url_params: frozenset[str] = frozenset({"film", "seance", "show", "session"})
    trusted_proxies: frozenset[str] = frozenset({"127.0.0.1", "::1"})
    policy: Policy = field(default_factory=Policy)
    tag_wait_ms: int = DEFAULT_TAG_WAIT_MS
    new_ids_per_network_hour: int = 30
