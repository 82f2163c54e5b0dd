"""What the warehouse holds under a person's pooled pseudonyms, for them to read and take away:
events summarised by cinema and month, the segments they were in, the partners their list entries
were shared with and when, the consent records behind their events, and any withdrawal or erasure.

Every query filters on the ticket's pseudonyms alone (sealed by the collector: `rights_ticket.py`),
so an answer never depends on another visitor's data; an unknown pseudonym gets the same shape with
nothing in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from artaud.warehouse.backend import Warehouse
from artaud.warehouse.erasure import TABLES
from artaud.warehouse.sql import quote_list

FORMAT = "artaud-rights-v1"
MAX_FILMS = 50
# the exempt track's statement: what is measured without consent is tied to no identifier
EXEMPT = {
    "fr": (
        "Sans votre consentement, chaque cinéma mesure seulement sa fréquentation, de façon anonyme : "
        "une empreinte calculée avec un sel du jour détruit sous 48 heures, sans identifiant. Rien dans "
        "ces mesures ne permet de vous identifier ni de les rattacher à vous ; c'est pourquoi elles "
        "n'apparaissent pas ici."
    ),
    "en": (
        "Without your consent, each cinema only measures its own attendance, anonymously: a fingerprint "
        "computed under a salt of the day destroyed within 48 hours, with no identifier. Nothing in "
        "these measurements identifies you or can be tied to you; this is why they are not shown here."
    ),
}


def holdings(
    wh: Warehouse, pseudonyms: Sequence[str], cinema_names: Mapping[int, str], now: datetime
) -> dict[str, Any]:
    """The person's data as one JSON-ready document (the page's summary and the download alike)."""
    db, them = wh.database, quote_list(pseudonyms or [""])

    def name(cinema: int) -> str:
        return cinema_names.get(cinema, f"cinéma n° {cinema}")

    events = [
        {
            "cinema": name(int(cinema)),
            "month": str(month)[:7],
            "event": str(event),
            "count": int(count),
            "films": sorted(str(f) for f in films if f)[:MAX_FILMS],
        }
        for cinema, month, event, count, films in wh.query(
            f"SELECT cinema_id, toString(toStartOfMonth(event_date)) AS m, event_name, uniqExact(event_id), "
            f"groupUniqArray(film_title) FROM {db}.events "
            f"WHERE visitor IN ({them}) AND track = 'pooled' "
            "GROUP BY cinema_id, m, event_name ORDER BY m, cinema_id, event_name"
        )
    ]
    segments = [
        {"segment": str(key), "last_build": str(last)}
        for key, last in wh.query(
            f"SELECT segment_key, toString(max(built_on)) FROM {db}.segment_members "
            f"WHERE visitor IN ({them}) GROUP BY segment_key ORDER BY segment_key"
        )
    ]
    partners = [
        {"partner": str(slug), "first_shared": str(first), "last_shared": str(last)}
        for slug, first, last in wh.query(
            f"SELECT partner_slug, toString(min(created_on)), toString(max(created_on)) FROM {db}.export_lists "
            f"WHERE visitor IN ({them}) GROUP BY partner_slug ORDER BY partner_slug"
        )
    ]
    ids = [
        str(r[0])
        for r in wh.query(
            f"SELECT DISTINCT consent_id FROM {db}.events WHERE visitor IN ({them}) AND consent_id != ''"
        )
    ]
    consents = (
        [
            {
                "recorded_at": str(at),
                "cinema": name(int(cinema)),
                "source": str(source),
                "purposes": [p for p in str(purposes).split(",") if p],
                "policy_version": str(policy),
            }
            for at, cinema, source, purposes, policy in wh.query(
                f"SELECT DISTINCT toString(recorded_at) AS at, cinema_id, source, purposes, policy_version "
                f"FROM {db}.consent_records WHERE consent_id IN ({quote_list(ids)}) ORDER BY at"
            )
        ]
        if ids
        else []
    )
    suppressed = [
        {"kind": str(kind), "since": str(since)}
        for kind, since in wh.query(
            f"SELECT kind, toString(min(suppressed_at)) FROM {db}.suppressions "
            f"WHERE visitor IN ({them}) GROUP BY kind ORDER BY kind"
        )
    ]
    return {
        "format": FORMAT,
        "generated_at": now.isoformat(timespec="seconds"),
        "events": events,
        "segments": segments,
        "partners": partners,
        "consents": consents,
        "withdrawn_or_erased": suppressed,
        "exempt_track": EXEMPT,
    }


def holds_anything(wh: Warehouse, pseudonyms: Sequence[str]) -> bool:
    """Whether anything is stored under `pseudonyms` or their links (events, build snapshots, what
    partners received)."""
    db, them = wh.database, quote_list(pseudonyms)
    linked = f"SELECT linked FROM {db}.visitor_links WHERE visitor IN ({them})"
    held = " UNION ALL ".join(
        f"SELECT count() AS n FROM {db}.{table} WHERE visitor IN ({them}) OR visitor IN ({linked})"
        for table in TABLES
    )
    return int(wh.query(f"SELECT sum(n) FROM ({held})")[0][0]) > 0
