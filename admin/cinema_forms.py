"""IO-free: the forms of the « Cinémas » pages in French.

- the list's search and filters (a GET form: name, town or CNC number; category; label; status);
- the problems of a cinema's fields (controlplane/model.py `make_cinema`, whose messages are English)
  as French words per field, so that each stands next to its field;
- the refused lines of a CSV import (controlplane/csv_import.py `Refusal`) as French sentences.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from artaud.controlplane.csv_import import Refusal
from artaud.controlplane.model import CATEGORIES, LABELS, Cinema

STATUSES_FR = {"active": "active", "suspended": "suspendue"}
FIELDS_FR = {
    "cnc_id": "N° CNC",
    "name": "Nom",
    "town": "Commune",
    "category": "Catégorie",
    "labels": "Labels",
    "domains": "Domaines",
    "status": "Statut",
    "site_key": "Clé de site",
}
_LABELS_LIST = ", ".join(f"{code} ({words})" for code, words in LABELS.items())
PROBLEMS_FR = {
    "cnc_id": "le numéro d'établissement du CNC : 1 à 7 chiffres",
    "name": "obligatoire, 200 caractères au plus",
    "town": "200 caractères au plus",
    "category": "une catégorie Art et Essai : A, B, C, D ou E",
    "labels": f"labels possibles : {_LABELS_LIST}",
    "domains": "des noms de domaine séparés par des virgules, par exemple www.mon-cinema.fr",
    "status": "active ou suspendue",
    "site_key": "sk_ suivi de 8 à 40 lettres ou chiffres",
}


def fold(text: str) -> str:
    """Lower case without accents, to search as people type."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().strip()


@dataclass(frozen=True)
class Filters:
    q: str = ""
    category: str = ""
    label: str = ""
    status: str = ""

    @classmethod
    def of(cls, args: Mapping[str, str]) -> Filters:
        """The filters of a query string; a value the form does not offer is ignored."""
        category = args.get("categorie", "").strip().upper()
        label = args.get("label", "").strip().upper()
        status = args.get("statut", "").strip()
        return cls(
            q=args.get("q", "").strip()[:100],
            category=category if category in CATEGORIES else "",
            label=label if label in LABELS else "",
            status=status if status in STATUSES_FR else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.category or self.label or self.status)

    def keep(self, cinema: Cinema) -> bool:
        if self.category and cinema.category != self.category:
            return False
        if self.label and self.label not in cinema.labels:
            return False
        if self.status and cinema.status != self.status:
            return False
        if self.q:
            needle = fold(self.q)
            digits = needle.lstrip("0")
            if not (
                needle in fold(cinema.name)
                or needle in fold(cinema.town)
                or (needle.isdigit() and digits and digits in cinema.cnc_id.lstrip("0"))
            ):
                return False
        return True

    def apply(self, cinemas: Iterable[Cinema]) -> list[Cinema]:
        return [c for c in cinemas if self.keep(c)]


def problems_fr(problems: Mapping[str, str]) -> dict[str, str]:
    """Each field's problem in French (the English message is never shown)."""
    out = {}
    for name, message in problems.items():
        if name == "name" and message.startswith("must not be empty"):
            out[name] = "le nom est obligatoire"
        elif name in ("name", "town") and message.startswith("longer than"):
            out[name] = "200 caractères au plus"
        else:
            out[name] = PROBLEMS_FR.get(name, "valeur refusée")
    return out


def refusal_fr(refusal: Refusal) -> str:
    """One refused line of a CSV file, in French."""
    match refusal.reason:
        case "empty":
            return "fichier vide : la première ligne doit nommer les colonnes"
        case "header":
            return "première ligne illisible"
        case "columns":
            missing = [FIELDS_FR.get(c.strip(), c.strip()) for c in refusal.detail.split(",")]
            return "colonne(s) manquante(s) : " + ", ".join(missing)
        case "too_many_fields":
            return "plus de champs que la première ligne ne nomme de colonnes"
        case "fields":
            words = problems_fr(refusal.problems)
            return " ; ".join(f"{FIELDS_FR.get(k, k)} : {v}" for k, v in words.items())
        case "twice":
            return f"le N° CNC {refusal.detail} figure deux fois dans le fichier"
        case "registered":
            return f"le N° CNC {refusal.detail} est déjà inscrit"
        case "unreadable":
            return "ligne illisible (guillemet non fermé ?) : la lecture s'arrête là"
    return "ligne refusée"
