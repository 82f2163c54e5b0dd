"""The CNIL exemption self-check of the exempt track, condition by condition (IO-free).

The CNIL's exemption for audience measurement (July 2025) covers measurement strictly for the
publisher, producing anonymous statistics, with no identifier shared across sites, trackers living at
most 13 months (not extended on each visit), data kept at most 25 months and no transfer. Each
condition is computed from `Facts`: the value found, the limit, and where the code enforces it. A
condition the configuration can break names its setting; one nothing enforces fails rather than
passes. `artaud compliance check` prints these lines and exits 1 when one fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from artaud.compliance import categories, endpoints
from artaud.compliance.facts import Facts

# the law's limits, as the exemption states them
MAX_TRACKER_MONTHS = 13
# the shortest 13 months in days (1 February to 1 March of the next year, not a leap year)
MAX_TRACKER_DAYS = 393
MAX_DATA_MONTHS = 25
# the privacy model's limit on the exempt track's salts
MAX_SALT_HOURS = 48


@dataclass(frozen=True)
class Check:
    key: str  # stable, for scripts and tests
    label: str  # the condition, in French
    passed: bool
    value: str  # what was found
    limit: str  # what the condition allows
    where: str  # where it is enforced (module paths, settings, tests)
    setting: str = ""  # the setting that decides it, when one does


def _purpose(f: Facts) -> Check:
    return Check(
        "purpose",
        "Finalité limitée à la mesure d'audience propre à chaque cinéma",
        f.segments_read_pooled_only,
        "les segments, exports et rémunérations ne lisent que le parcours mutualisé"
        if f.segments_read_pooled_only
        else "la construction des segments lit aussi le parcours exempté",
        "aucun usage des événements exemptés hors des statistiques du cinéma",
        "segments/visitor_table.py (track = 'pooled') ; partners/exports.py et remuneration/ lisent les "
        "segments ; admin/own_stats.py : un cinéma ne voit que ses chiffres",
    )


def _anonymous(f: Facts) -> Check:
    return Check(
        "anonymous",
        "Statistiques anonymes : un visiteur ne se suit pas d'un jour à l'autre",
        f.salt_retention_hours <= MAX_SALT_HOURS,
        f"sels du jour détruits après {f.salt_retention_hours} h",
        f"≤ {MAX_SALT_HOURS} h",
        "collector/salts.py (destroy_expired) ; runtime/jobs.py (tâche destroy-salts, toutes les 15 min)",
        "privacy.salt_retention_hours",
    )


def _cross_site(f: Facts) -> Check:
    return Check(
        "cross_site",
        "Aucun identifiant commun à plusieurs sites",
        f.exempt_hash_per_cinema,
        "visiteur exempté = hachage propre au cinéma, sous le sel du jour de ce cinéma ; aucun identifiant "
        "stocké sans consentement"
        if f.exempt_hash_per_cinema
        else "le hachage du visiteur exempté est le même d'un cinéma à l'autre",
        "aucun identifiant permettant de recouper ou dédupliquer entre sites",
        "collector/pipeline.py (hachage exempté) ; collector/salts.py (un sel par cinéma et par jour) ; "
        "collector/static/tag.src.js (rien de stocké avant le consentement)",
    )


def _trackers(f: Facts) -> Check:
    days = f.id_lifetime_days
    ok = days is not None and days <= MAX_TRACKER_DAYS and f.id_lifetime_in_built_tag
    if days is None:
        value = "durée de vie de l'identifiant introuvable dans le tag : rien ne la borne"
    elif not f.id_lifetime_in_built_tag:
        value = f"{days} jours dans la source, mais le tag servi (tag.js) ne porte pas cette durée"
    else:
        value = (
            f"aucun traceur sur le parcours exempté ; l'identifiant (après consentement) vit {days} jours "
            "depuis le consentement, sans prolongation"
        )
    return Check(
        "trackers",
        f"Traceurs ≤ {MAX_TRACKER_MONTHS} mois, non prolongés à chaque visite",
        ok,
        value,
        f"{MAX_TRACKER_MONTHS} mois ({MAX_TRACKER_DAYS} jours au plus court)",
        "collector/static/tag.src.js (vid) et son build tag.js ; "
        "tests/collector/test_tag_browser.py::test_the_identifier_lives_13_months_from_consent_and_is_not_extended",
    )


def _retention(f: Facts) -> Check:
    return Check(
        "retention",
        f"Données conservées ≤ {MAX_DATA_MONTHS} mois",
        f.event_retention_months <= MAX_DATA_MONTHS,
        f"{f.event_retention_months} mois",
        f"≤ {MAX_DATA_MONTHS} mois",
        "warehouse/retention.py (partitions mensuelles supprimées) ; runtime/jobs.py (tâche retention, "
        "chaque nuit) ; config/settings.py refuse de démarrer au-delà",
        "privacy.event_retention_months",
    )


def _transfer(f: Facts) -> Check:
    away = endpoints.outside(f.endpoints, f.eu_hosts)
    used = [e for e in f.endpoints if e.used]
    if away:
        value = "hors de l'opérateur et non déclaré dans l'UE/EEE : " + ", ".join(
            f"{e.host} ({e.setting})" for e in away
        )
    else:
        places = [f"{e.setting} = {e.host} : {endpoints.where(e.host, f.eu_hosts)}" for e in used]
        value = "; ".join(places) if places else "aucun service distant : tout tourne sur cette machine"
    if not f.segments_read_pooled_only:
        value += " ; des événements exemptés peuvent atteindre les partenaires"
    return Check(
        "transfer",
        "Aucun transfert : ni hors de l'UE, ni à des tiers",
        not away and f.segments_read_pooled_only,
        value,
        "les données du parcours exempté restent chez le SCARE, dans l'UE/EEE",
        "compliance/endpoints.py (entrepôt, Kafka, plan de contrôle) ; les partenaires ne reçoivent que "
        "des segments du parcours mutualisé (segments/visitor_table.py)",
        "compliance.eu_hosts",
    )


def _described(f: Facts) -> Check:
    missing = categories.undescribed(f.event_fields)
    return Check(
        "fields",
        "Chaque champ collecté est décrit au registre",
        not missing,
        f"{len(f.event_fields)} champs, tous décrits"
        if not missing
        else "champs sans description : " + ", ".join(missing),
        "aucun champ hors registre",
        "warehouse/columns.py (le schéma) ; compliance/categories.py (les descriptions)",
    )


def exemption_checks(f: Facts) -> list[Check]:
    """The exempt track's conditions, in the exemption's order, then the completeness of the record."""
    return [
        _purpose(f),
        _anonymous(f),
        _cross_site(f),
        _trackers(f),
        _retention(f),
        _transfer(f),
        _described(f),
    ]


def line(c: Check) -> str:
    """One line for a terminal: ✓/✗ label: value vs limit, where."""
    mark = "✓" if c.passed else "✗"
    setting = f" [{c.setting}]" if c.setting else ""
    return f"{mark} {c.label} : {c.value} (limite : {c.limit}){setting} — {c.where}"
