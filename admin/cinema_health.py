"""IO-free: the health of one cinema's tag, from what the warehouse and the counters say.

- hits per day over 30 days, in the cinema's own statistics (exempt) and in the pooled audience,
  as time series for the charts (x: Unix seconds at midnight, Paris), robots aside;
- the requests the collector refused for this cinema, by reason in French (its counters carry the
  cinema's CNC number as the `cinema` label);
- the consent mix: which consent tool each hit's choice came from, in French.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from prometheus_client.parser import text_string_to_metric_families

from artaud.admin.dashboard import REASONS_FR, midnight

# where a hit's consent came from (the events' consent_source) in French; a test checks the
# collector's sources are all here
SOURCES_FR = {
    "tcf": "CMP IAB TCF",
    "tac": "tarteaucitron.js",
    "klaro": "Klaro",
    "tag": "API du marqueur",
    "none": "aucun signal",
    "invalid": "signal invalide",
    "expired": "chaîne TC expirée",
}
# the tag's events (the collector's EVENT_NAMES, GA4's names) in French
EVENTS_FR = {
    "page_view": "Page vue",
    "view_item": "Fiche d'un film vue",
    "select_item": "Séance choisie",
    "add_to_cart": "Places ajoutées au panier",
    "begin_checkout": "Paiement commencé",
    "purchase": "Achat",
}


@dataclass(frozen=True)
class TagDay:
    day: date
    exempt: int  # hits in the cinema's own statistics only
    pooled: int  # hits that joined the pooled audience (consent given)


@dataclass(frozen=True)
class TagSeries:
    x: list[int]
    exempt: list[int]
    pooled: list[int]


def series(days: Iterable[TagDay]) -> TagSeries:
    listed = list(days)
    return TagSeries(
        x=[midnight(d.day) for d in listed],
        exempt=[d.exempt for d in listed],
        pooled=[d.pooled for d in listed],
    )


def drops_of(exposition: str, cnc_id: str) -> list[tuple[str, int]]:
    """This cinema's refused hits by reason (French), most first, from the collector's counters."""
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(exposition):
        if family.name not in ("artaud_hits_dropped", "artaud_hits_dropped_total"):
            continue
        for sample in family.samples:
            if sample.name.endswith("_total") and sample.labels.get("cinema") == cnc_id:
                reason = sample.labels.get("reason", "?")
                totals[reason] = totals.get(reason, 0) + sample.value
    return sorted(
        ((REASONS_FR.get(r, "autre motif"), int(v)) for r, v in totals.items() if v),
        key=lambda kv: (-kv[1], kv[0]),
    )


def consent_mix(by_source: Mapping[str, int]) -> list[tuple[str, int]]:
    """Hits by consent source, in French, most first."""
    out: dict[str, int] = {}
    for source, n in by_source.items():
        words = SOURCES_FR.get(source, "autre signal")
        out[words] = out.get(words, 0) + n
    return sorted(((k, v) for k, v in out.items() if v), key=lambda kv: (-kv[1], kv[0]))


OBJECTIONS_FR = {
    "gpc": "Global Privacy Control",
    "dnt": "Do Not Track",
    "limited": "trop de nouveaux identifiants d'un même réseau",
}


def purposes_fr(purposes: object) -> str:
    """An event's consented purposes ("measure,pool,partner:acme") in French."""
    words = []
    for p in str(purposes or "").split(","):
        p = p.strip()
        if p == "measure":
            words.append("mesure")
        elif p == "pool":
            words.append("audience mutualisée")
        elif p.startswith("partner:"):
            words.append(f"partenaire {p[8:]}")
        elif p:
            words.append("autre")
    return ", ".join(words) or "—"


def objection_fr(objection: object) -> str:
    return OBJECTIONS_FR.get(str(objection or ""), "autre") if objection else ""
