"""IO-free: the « Partenaires » pages in French.

- an account's status, a key's scopes (segments by their titles, formats) and state;
- the problems of an account's or a key's fields (partners/records.py `InvalidPartner`, whose
  messages are English) and of a sync URL (collector/idsync.py `SyncUrlError.reasons`) as French
  words, each next to its field;
- an API call's answer in a word, an export's state;
- the partner's calls per day (x: Unix seconds at midnight, Paris) for the chart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from artaud.admin.dashboard import midnight
from artaud.partners.records import FORMATS, ApiKey, ExportRecord

PARIS = ZoneInfo("Europe/Paris")
STATUSES_FR = {"active": "actif", "suspended": "suspendu"}
FORMATS_FR = {"csv": "CSV", "json": "JSON", "jsonl": "JSON Lines"}
ALL = "*"  # a key scoped to every segment
FIELDS_FR = {
    "slug": "Identifiant",
    "name": "Nom de l'agence",
    "min_audience": "Audience minimale",
    "rate_per_minute": "Appels par minute",
    "export_ttl_days": "Durée de vie d'un export",
    "segments": "Segments",
    "formats": "Formats",
    "expires": "Expiration",
    "url": "Adresse de synchronisation",
}
PROBLEMS_FR = {
    "slug": "1 à 63 caractères : lettres minuscules sans accent, chiffres, _ ou -, sans espace",
    "name": "200 caractères au plus",
    "min_audience": "un nombre entier de 0 à 10 000 000",
    "rate_per_minute": "un nombre entier de 1 à 100 000",
    "export_ttl_days": "un nombre entier de jours, de 1 à 365",
    "segments": "cochez au moins un segment, ou « tous les segments »",
    "formats": "cochez au moins un format : CSV, JSON ou JSON Lines",
    "expires": "une date à venir, ou un nombre de jours de 1 à 3 650 (vide : jusqu'à révocation)",
}
# collector/idsync.py check_sync_url's reasons: a test checks every one has its French words
SYNC_FR = {
    "length": "512 caractères au plus",
    "placeholder": "doit contenir {xid} exactement une fois, là où va le pseudonyme",
    "characters": "ni espace, ni guillemet, ni chevron, ni barre oblique inverse",
    "absolute": "une adresse complète en https://, avec un nom d'hôte",
    "http": "doit utiliser https (http seulement pour la boucle locale et les noms réservés aux essais)",
    "scheme": "doit utiliser https",
    "credentials": "ni nom d'utilisateur ni mot de passe dans l'adresse",
    "fragment": "pas de #fragment",
    "placeholder_host": "{xid} va dans le chemin ou les paramètres, pas dans le nom d'hôte",
}


def problems_fr(problems: Mapping[str, str]) -> dict[str, str]:
    """Each field's problem in French (the English message is never shown)."""
    out = {}
    for name, message in problems.items():
        if name == "slug" and "already exists" in message:
            out[name] = "un partenaire porte déjà cet identifiant"
        elif name == "name" and message == "required":
            out[name] = "le nom est obligatoire"
        elif name == "expires" and message.startswith("a moment in the future"):
            out[name] = "une date à venir (la clé expire à la fin de ce jour, heure de Paris)"
        else:
            out[name] = PROBLEMS_FR.get(name, "valeur refusée")
    return out


def sync_problems_fr(reasons: Iterable[str]) -> str:
    """A refused sync URL's problems, in French, in one sentence."""
    words = [SYNC_FR.get(r, "adresse refusée") for r in reasons] or ["adresse refusée"]
    return " ; ".join(words)


def segments_fr(segments: Iterable[str], titles: Mapping[str, str]) -> str:
    listed = list(segments)
    if ALL in listed:
        return "tous les segments"
    return ", ".join(f"« {titles.get(s, s)} »" for s in listed) or "aucun"


def formats_fr(formats: Iterable[str]) -> str:
    return ", ".join(FORMATS_FR.get(f, f) for f in sorted(formats)) or "aucun"


def live(key: ApiKey, now: datetime) -> bool:
    return key.revoked_at is None and not key.expired(now)


def key_state_fr(key: ApiKey, now: datetime) -> str:
    if key.revoked_at is not None:
        return "révoquée"
    if key.expired(now):
        return "expirée"
    return "active"


def scopes_fr(keys: Iterable[ApiKey], titles: Mapping[str, str], now: datetime) -> str:
    """What the partner's live keys open, together: segments, then formats."""
    alive = [k for k in keys if live(k, now)]
    if not alive:
        return "aucune clé active"
    segments: list[str] = list(dict.fromkeys(s for k in alive for s in k.segments))
    formats = {f for k in alive for f in k.formats} & FORMATS
    return f"{segments_fr(segments, titles)} · {formats_fr(formats)}"


def segment_key_fr(segment_key: str, titles: Mapping[str, str]) -> str:
    """An export's segment: its definition's title, and what it is about (`film/…`, `region/FR-IDF`)."""
    kind, _, rest = segment_key.partition("/")
    title = titles.get(kind, kind)
    return f"{title} — {rest}" if rest else title


def export_state_fr(export: ExportRecord, now: datetime) -> str:
    if export.withdrawn_at is not None:
        return "retiré"
    if export.expires_at <= now:
        return "expiré"
    return "disponible"


def answer_fr(status: int) -> str:
    """An API call's answer in words (the code stays beside it)."""
    words = {
        401: "clé refusée",
        403: "non autorisé",
        404: "introuvable",
        409: "refusé par les garde-fous",
        410: "retiré ou expiré",
        429: "trop d'appels",
    }
    if 200 <= status < 400:
        return "servi"
    if status in words:
        return words[status]
    return "service indisponible" if status >= 500 else "demande refusée"


@dataclass(frozen=True)
class Pulls:
    x: list[int]
    served: list[int]
    refused: list[int]


def pulls_per_day(calls: Iterable[tuple[datetime, int]], today: date, days: int = 30) -> Pulls:
    """The partner's calls per day (Paris) over the `days` up to `today`: served and refused."""
    first = today - timedelta(days=days - 1)
    served = [0] * days
    refused = [0] * days
    for at, status in calls:
        i = (at.astimezone(PARIS).date() - first).days
        if 0 <= i < days:
            if status < 400:
                served[i] += 1
            else:
                refused[i] += 1
    return Pulls([midnight(first + timedelta(days=i)) for i in range(days)], served, refused)
