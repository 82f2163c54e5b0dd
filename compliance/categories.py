"""The categories of data as collected (IO-free): each column of the events table described in
French with the minimisation rule that produced it and the module that applies it.

The report lists the columns the warehouse really has (`Facts.event_fields`, from
warehouse/columns.py), each through this table: a column added to the schema without a description
here is listed as « non décrit » and fails the check « chaque champ collecté est décrit », so the
records of processing never silently miss a field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    name: str  # the category, in French
    rule: str  # how the edge minimises it
    where: str  # the module that applies the rule


_EDGE = "collector/events.py"
_MIN = "collector/minimise.py"
DESCRIBED: dict[str, Category] = {
    "event_id": Category("technique", "identifiant d'événement tiré par le navigateur ou au hasard", _EDGE),
    "received_at": Category("horodatage", "seconde de réception (UTC)", _EDGE),
    "event_date": Category("horodatage", "jour du cinéma (Europe/Paris)", _EDGE),
    "cinema_id": Category("établissement", "le cinéma dont la page a envoyé l'événement", _EDGE),
    "track": Category("technique", "parcours décidé une fois, au collecteur, selon le consentement", _EDGE),
    "visitor": Category(
        "pseudonyme",
        "hachage à clé du jour (exempté) ou HMAC-SHA256 sous une clé versionnée (mutualisé)",
        "collector/pipeline.py, collector/pseudonym.py",
    ),
    "key_version": Category("technique", "version de la clé du pseudonyme (0 : parcours exempté)", _EDGE),
    "event_name": Category("navigation", "nom d'événement GA4 (page_view, view_item, purchase…)", _EDGE),
    "url_host": Category("navigation", "hôte de la page", "collector/urls.py"),
    "url_path": Category(
        "navigation", "chemin de la page, segments porteurs d'une personne remplacés", "collector/urls.py"
    ),
    "url_params": Category(
        "navigation", "seuls les paramètres de la liste autorisée sont gardés", "collector/urls.py"
    ),
    "referrer_host": Category("navigation", "hôte du référent seulement, jamais une adresse IP", _EDGE),
    "film_key": Category("film et séance", "identifiant du film, écarté s'il porte une personne", _MIN),
    "film_title": Category("film et séance", "titre, adresses et jetons remplacés par un marqueur", _MIN),
    "film_ref": Category(
        "film et séance", "titre~réalisateur normalisés, tirés de ce qui est gardé", "collector/films.py"
    ),
    "show_id": Category("film et séance", "identifiant de séance, écarté s'il porte une personne", _MIN),
    "show_start": Category("film et séance", "début de la séance", _EDGE),
    "version": Category("film et séance", "VF / VO / VOST", _EDGE),
    "quantity": Category("achat", "nombre de places", _EDGE),
    "value_cents": Category("achat", "montant en centimes", _EDGE),
    "currency": Category("achat", "devise ISO", _EDGE),
    "order_hash": Category(
        "achat",
        "hachage à clé du numéro de commande (jamais le numéro), sous le sel du jour ou la clé",
        _EDGE,
    ),
    "region": Category(
        "terminal et lieu", "région (ISO 3166-2) tirée de l'adresse IP, jetée aussitôt", "collector/geo.py"
    ),
    "device_class": Category(
        "terminal et lieu", "classe d'appareil tirée du user agent, jeté aussitôt", "collector/agents.py"
    ),
    "browser_family": Category("terminal et lieu", "famille de navigateur", "collector/agents.py"),
    "os_family": Category("terminal et lieu", "famille de système", "collector/agents.py"),
    "is_bot": Category("terminal et lieu", "robot signalé (gardé, marqué)", "collector/agents.py"),
    "consent_source": Category(
        "consentement", "outil de consentement lu (TCF, tarteaucitron.js, Klaro, tag)", _EDGE
    ),
    "consent_purposes": Category("consentement", "finalités consenties (measure, pool, partner:…)", _EDGE),
    "consent_objection": Category("consentement", "opposition reçue (GPC, DNT)", _EDGE),
    "consent_id": Category(
        "consentement", "référence de la preuve de consentement (mutualisé seulement)", _EDGE
    ),
    "ingest_token": Category("technique", "jeton de chargement exactement-une-fois", "warehouse/loader.py"),
}
UNDESCRIBED = Category("non décrit", "aucune règle connue du dossier de conformité", "?")
# what the edge never keeps, whatever the field (collector/minimise.py, proved by the canary tests)
NEVER_KEPT = (
    "adresse IP",
    "user agent",
    "identifiant brut du navigateur",
    "adresse électronique",
    "chaîne de requête hors liste autorisée",
    "fragment d'URL",
    "identifiant de clic ou jeton",
    "chaîne TCF entière",
)


def describe(columns: Sequence[str]) -> list[tuple[str, Category]]:
    """Each column with its description, in the table's order (an unknown one as `UNDESCRIBED`)."""
    return [(c, DESCRIBED.get(c, UNDESCRIBED)) for c in columns]


def undescribed(columns: Sequence[str]) -> list[str]:
    return [c for c in columns if c not in DESCRIBED]
