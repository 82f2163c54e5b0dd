"""IO-free: the words and dates of « Droits et consentement » (admin/rights_pages.py). A consent
record read back in French (its source, its purposes, a TC string's summary as consent/proof.py
wrote it, an objection such as Global Privacy Control), and an erasure request against its legal
deadline: one calendar month from its receipt, in Paris (GDPR art. 12(3))."""

from __future__ import annotations

import calendar
import contextlib
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

SOURCES = {
    "tcf": "bandeau IAB TCF v2.2 (chaîne de consentement)",
    "tac": "bandeau tarteaucitron.js",
    "klaro": "bandeau Klaro",
    "tag": "choix transmis par le marqueur du site",
    "none": "aucun signal de consentement",
    "invalid": "signal de consentement illisible",
    "expired": "signal de consentement expiré",
}
TRACKS = {"pooled": "audience mutualisée", "exempt": "mesure exemptée du cinéma"}
OBJECTIONS = {
    "gpc": "opposition par Global Privacy Control (GPC)",
    "dnt": "opposition par Do Not Track",
    "limited": "limité : trop de nouveaux identifiants depuis un même réseau",
}
STATUSES = {"received": "reçue, en cours", "done": "exécutée", "failed": "en échec"}
CHANNELS = {
    "console": "console",
    "cli": "ligne de commande",
    "api": "API de la console",
    "visitor": "la personne, depuis sa page « Vos données d'audience »",
}
DONE = {
    "suppressed": ("pseudonyme mis en liste de suppression", "pseudonymes mis en liste de suppression"),
    "events": ("événement effacé", "événements effacés"),
    "removals": ("retrait annoncé à un partenaire", "retraits annoncés aux partenaires"),
}
TCF_FIELDS = {
    "cmp": "plateforme de consentement (CMP) n°",
    "cmp_version": "version de la CMP",
    "tcf": "version du TCF et de sa politique",
    "gvl": "version de la liste des fournisseurs",
    "language": "langue",
    "country": "pays de l'éditeur",
    "decided": "date de la décision",
    "purposes": "finalités TCF consenties",
    "legitimate_interests": "finalités sur intérêt légitime",
    "special_features": "fonctionnalités spéciales acceptées",
    "vendors": "fournisseurs consentis (SCARE et partenaires)",
    "restrictions": "restrictions de l'éditeur",
}


def source_fr(source: str) -> str:
    return SOURCES.get(source, "source inconnue")


def track_fr(track: str) -> str:
    return TRACKS.get(track, "piste inconnue")


def objection_fr(objection: str) -> str:
    return OBJECTIONS.get(objection, "") if objection else "aucune"


def purposes_fr(purposes: str) -> list[str]:
    """A purposes list ("measure,pool,partner:acme") as French phrases."""
    words: list[str] = []
    for word in (t.strip() for t in purposes.split(",")):
        if word == "measure":
            words.append("mesure d'audience du cinéma (exemptée)")
        elif word == "pool":
            words.append("audience mutualisée des cinémas")
        elif word.startswith("partner:"):
            words.append(f"partage avec le partenaire « {word.removeprefix('partner:')} »")
        elif word in ("none", "deny"):
            words.append("refus")
        elif word:
            words.append("finalité non reconnue")
    return words or ["aucune"]


def tcf_fr(summary: str) -> list[tuple[str, str]]:
    """A TC string's summary (consent/proof.py `tcf_summary`) as (French label, value) pairs; an
    unreadable one as a single line saying so."""
    try:
        fields = dict(part.split("=", 1) for part in summary.split(";") if part)
    except ValueError:
        return [("chaîne TCF", "résumé illisible")]
    lines: list[tuple[str, str]] = []
    for key, label in TCF_FIELDS.items():
        if key not in fields:
            continue
        value = fields[key]
        if key == "decided":
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value).strftime("%d/%m/%Y")
        lines.append((label, value.replace(",", ", ") or ("aucun" if key == "vendors" else "aucune")))
    return lines or [("chaîne TCF", "résumé illisible")]


def deadline(received_at: datetime) -> date:
    """The last day to answer: the same day one calendar month after receipt, in Paris (the month's
    last day when it has no such day: 31 January → 28 or 29 February)."""
    local = _aware(received_at).astimezone(PARIS).date()
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return date(year, month, min(local.day, calendar.monthrange(year, month)[1]))


def overdue(received_at: datetime, completed_at: datetime | None, now: datetime) -> bool:
    """Whether the request was (or still is) not carried out by the end of its deadline's day."""
    end = _aware(completed_at or now).astimezone(PARIS).date()
    return end > deadline(received_at)


def status_fr(status: str) -> str:
    return STATUSES.get(status, "état inconnu")


def channel_fr(channel: str) -> str:
    return CHANNELS.get(channel, "canal inconnu")


def done_fr(done: dict[str, int]) -> str:
    """What an erasure did, in French ("2 pseudonymes mis en liste de suppression, 3 événements…")."""
    parts = []
    for key, (one, many) in DONE.items():
        if key in done:
            n = done[key]
            parts.append(f"{n} {one if n <= 1 else many}")
    return ", ".join(parts)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
