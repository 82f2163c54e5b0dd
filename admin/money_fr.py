"""IO-free: the money pages' French. Amounts typed the French way (« 12 345,67 ») read as exact
cents, percentages and decimals with a comma, the campaign form's problems per field, and every
refusal of the remuneration library in French words (its messages are English: none reaches a page).
"""

from __future__ import annotations

import re
from fractions import Fraction

from artaud.errors import ArtaudError, InvalidFields

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_EUROS = re.compile(r"([0-9]{1,13})(?:[.,]([0-9]{1,2}))?")
_DECIMAL = re.compile(r"[0-9]{1,6}(?:[.,][0-9]{1,6})?")

POLICIES_FR = {
    "pro_rata": "Au prorata",
    "pro_rata_bounded": "Au prorata, plancher et plafond",
    "mutualist": "Mutualiste",
    "solidarity": "Solidaire",
}
KINDS_FR = {
    "distribution": "répartition",
    "receipt": "encaissement",
    "payout": "virement aux cinémas",
    "reversal": "annulation",
}
CATEGORIES = ("A", "B", "C", "D", "E")

# what each field of the campaign form expects, said when make_campaign finds a problem with it
CAMPAIGN_FIELDS_FR = {
    "id": "identifiant : 1 à 64 caractères parmi a-z 0-9 . _ -, commençant par une lettre ou un chiffre",
    "distributor": "distributeur : obligatoire, une ligne de 200 caractères au plus",
    "siren": "SIREN invalide : 9 chiffres dont la clé de contrôle",
    "film_title": "titre : obligatoire, une ligne de 300 caractères au plus",
    "director": "réalisateur ou réalisatrice : une ligne de 200 caractères au plus",
    "visa": "visa d'exploitation : ses chiffres seulement (1 à 12)",
    "film_ref": "le titre ne contient ni lettre ni chiffre dont faire la référence du film",
    "partner": "choisissez une agence enregistrée",
    "start": "une date de début",
    "end": "une date de fin, pas avant le début",
    "payment": "un montant en euros hors taxes, par exemple 12 345,67",
    "vat_rate": "un pourcentage de 0 à moins de 100, par exemple 20 ou 5,5",
    "fee_rate": "un pourcentage de 0 à moins de 100, par exemple 10 ou 12,5",
    "invoice": "référence de facture : une ligne de 64 caractères au plus",
}

REFUSALS_FR = {
    "unknown_campaign": "Campagne inconnue.",
    "campaign_conflict": "Refusé : cette campagne existe déjà, a déjà été approuvée ou a déjà ses contributions gelées.",
    "campaign_unapproved": "La campagne n'est pas approuvée par la SCARE : elle ne peut pas être payée.",
    "already_distributed": "La campagne est déjà répartie : annulez d'abord la répartition en cours.",
    "nothing_to_distribute": "Le paiement de la campagne est de 0 € : rien à répartir.",
    "contributions_not_frozen": "Les contributions de la campagne ne sont pas encore gelées.",
    "nothing_delivered": (
        "Rien à compter : aucun export n'est lié à la campagne, ou ses listes ne sont plus dans l'entrepôt."
    ),
    "campaign_frozen": "Les contributions sont gelées : les exports de la campagne ne peuvent plus changer.",
    "already_paid_out": (
        "Annulation impossible : une partie de cet argent a déjà été versée aux cinémas "
        "(annulez d'abord le virement s'il n'a pas été exécuté)."
    ),
    "batch_already_reversed": "Cette écriture est déjà annulée.",
    "unknown_batch": "Écriture inconnue.",
    "invalid_receipt": (
        "Encaissement invalide : un montant positif et la référence de la banque "
        "(1 à 40 caractères parmi A-Z a-z 0-9 . _ -)."
    ),
    "invalid_policy": "Paramètres de la politique invalides.",
    "undistributable": "Répartition impossible : toutes les contributions sont nulles.",
    "invalid_payment": "Paiement ou taux de commission invalide.",
    "invalid_contributions": "Contributions invalides.",
    "payouts_not_configured": (
        "Le compte de la SCARE n'est pas configuré : renseignez payouts.debtor_name et "
        "payouts.debtor_iban (section [payouts] du fichier de configuration)."
    ),
    "invalid_bank_account": (
        "Le compte de la SCARE est invalide : vérifiez payouts.debtor_name, payouts.debtor_iban et "
        "payouts.debtor_bic (section [payouts] du fichier de configuration)."
    ),
    "invalid_payout": "Virements impossibles : des coordonnées bancaires manquent ou sont invalides.",
    "nothing_cleared": (
        "Rien n'est à payer : aucune campagne n'est à la fois répartie et entièrement payée par son distributeur."
    ),
    "payout_reversed": "Ce paiement a été annulé : payez sous un nouvel identifiant.",
    "payout_pinned": (
        "Ce paiement a été enregistré pour une autre date d'exécution ou avec d'autres coordonnées "
        "bancaires : un même identifiant ne produit que le même fichier."
    ),
    "invalid_payout_request": "Identifiant (1 à 40 caractères parmi A-Z a-z 0-9 . _ -) ou date invalide.",
    "invalid_statement_document": "Relevé impossible à établir pour ce cinéma.",
    "ledger_altered": "Le grand livre a été altéré : prévenez l'administrateur.",
    "bank_details_unreadable": "Les coordonnées bancaires d'un cinéma sont illisibles : prévenez l'administrateur.",
    "unknown_bank_account": "Un cinéma n'a pas de coordonnées bancaires enregistrées.",
    "export_outside_flight": "Cet export a été livré hors de la période de diffusion de la campagne.",
    "unknown_export": "Export inconnu.",
    "invalid_report": "Chiffres de diffusion invalides.",
    "invalid_statement": "Relevé invalide.",
    "nothing_to_reverse": "Aucune répartition en cours à annuler.",
    "reason_required": "Donnez le motif de l'annulation.",
    "conflict": "Refusé : l'état a changé entre-temps, rechargez la page.",
    "not_found": "Introuvable.",
}


def refusal_fr(exc: ArtaudError) -> str:
    """A refusal of the money library in French, with the fields or cinemas it names when useful."""
    words = REFUSALS_FR.get(exc.code, "Opération refusée.")
    if exc.code == "invalid_payout" and isinstance(exc, InvalidFields):
        cinemas = sorted({k.removeprefix("cinema ") for k in exc.problems if k.startswith("cinema ")})
        if cinemas:
            words += " Cinémas concernés : " + ", ".join(cinemas) + "."
    return words


def campaign_problems_fr(problems: dict[str, str]) -> dict[str, str]:
    """make_campaign's problems (English, per field) as the form's French, per form field."""
    out: dict[str, str] = {}
    for field, problem in problems.items():
        name = "payment" if field == "payment_cents" else field
        if name == "end" and problem.startswith("the flight ends"):
            out[name] = "la fin de la diffusion précède son début"
        else:
            out[name] = CAMPAIGN_FIELDS_FR.get(name, "valeur invalide")
    return out


def euros_to_cents(text: str) -> int:
    """« 12 345,67 », « 12345.6 », « 100 € » → exact cents; ValueError when it is no amount."""
    compact = _SPACES.sub("", text).removesuffix("€")
    m = _EUROS.fullmatch(compact)
    if m is None:
        raise ValueError("not an amount")
    return int(m[1]) * 100 + int((m[2] or "0").ljust(2, "0"))


def decimal_fr(text: str) -> Fraction:
    """« 1,1 » or « 1.1 » → the exact number; ValueError otherwise."""
    compact = _SPACES.sub("", text)
    if not _DECIMAL.fullmatch(compact):
        raise ValueError("not a decimal")
    return Fraction(compact.replace(",", "."))


def decimal_text(x: Fraction) -> str:
    """An exact number with a finite decimal form as the library reads it (`1.1`)."""
    whole, rest = divmod(x.numerator, x.denominator)
    if rest == 0:
        return str(whole)
    digits = ""
    while rest and len(digits) < 12:
        rest *= 10
        d, rest = divmod(rest, x.denominator)
        digits += str(d)
    return f"{whole}.{digits}"


def cents_fr(cents: int) -> str:
    """Cents as typed back in a form: « 12 345,67 »."""
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", " ") + f",{rest:02d}"
