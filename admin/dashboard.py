"""IO-free: the dashboard's figures, from what the stores and the counters say.

- participating cinemas against the SCARE's threshold of 100 (where distributors start paying);
- per day: hits (bots aside), hits of the pooled audience, the consent rate (pooled hits / hits) and
  the pooled visitors, as time series for the charts (x: Unix seconds at midnight, Paris);
- drops by reason, from the collector's counters (Prometheus text), summed over cinemas;
- pipeline health: the spool's backlog, the writer's failures, quarantined records, the last build.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from prometheus_client.parser import text_string_to_metric_families

TARGET = 100  # cinemas: the SCARE's stated threshold for distributors to start paying
PARIS = ZoneInfo("Europe/Paris")
# every drop reason of the collector (collector/hit.py DROP_REASONS) in French: a test checks both
# lists are the same, so no English reason code reaches a page
REASONS_FR = {
    "unknown_site": "clé de site inconnue",
    "site_suspended": "cinéma suspendu",
    "origin_mismatch": "domaine non déclaré",
    "body_too_large": "requête trop grande",
    "malformed": "requête illisible",
    "too_many_events": "trop d'évènements dans une requête",
    "invalid_event": "évènement invalide",
    "spool_full": "file locale pleine",
    "storage_unavailable": "stockage indisponible",
    "too_slow": "client trop lent",
    "unsupported_media_type": "type de contenu refusé",
    "rate_limited": "trop de demandes d'accès à ses données depuis une adresse",
}


@dataclass(frozen=True)
class Day:
    day: date
    hits: int
    pooled: int  # hits of the pooled audience (consent given)
    pooled_visitors: int


@dataclass(frozen=True)
class Series:
    x: list[int]
    hits: list[int]
    pooled: list[int]
    consent_rate: list[float | None]
    pooled_visitors: list[int]


def midnight(day: date) -> int:
    return int(datetime.combine(day, time(), PARIS).timestamp())


def series(days: Iterable[Day]) -> Series:
    listed = list(days)
    return Series(
        x=[midnight(d.day) for d in listed],
        hits=[d.hits for d in listed],
        pooled=[d.pooled for d in listed],
        consent_rate=[round(100 * d.pooled / d.hits, 1) if d.hits else None for d in listed],
        pooled_visitors=[d.pooled_visitors for d in listed],
    )


def drops(exposition: str) -> list[tuple[str, int]]:
    """Refused hits by reason (French), most first, from the collector's Prometheus text."""
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(exposition):
        if family.name not in ("artaud_hits_dropped", "artaud_hits_dropped_total"):
            continue
        for sample in family.samples:
            if sample.name.endswith("_total"):
                reason = sample.labels.get("reason", "?")
                totals[reason] = totals.get(reason, 0) + sample.value
    return sorted(
        ((REASONS_FR.get(r, "autre motif"), int(v)) for r, v in totals.items() if v),
        key=lambda kv: (-kv[1], kv[0]),
    )
