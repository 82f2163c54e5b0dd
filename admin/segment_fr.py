"""IO-free: the « Segments » page's words. A definition's rule, the privacy guards' parameters, a
build's refusals (segments/guards.py and the builder's release codes) and a build's steps, said in
French; a refusal naming a cinema names it by its CNC number and name, never by its internal id."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from artaud.segments.definitions import Segment
from artaud.segments.guards import GuardPolicy

PARIS = ZoneInfo("Europe/Paris")

# every refusal code a build can record (segments/guards.py's Refusal codes and the builder's
# release codes): what it means, in one French sentence without figures
REFUSALS: dict[str, str] = {
    "below_k": "Trop peu de membres : le segment n'atteint pas la taille minimale k.",
    "too_few_cinemas": "Trop peu de cinémas : le segment ne vient pas d'assez de cinémas qui comptent.",
    "dominated": "Un cinéma domine : il apporte à lui seul une trop grande part du segment.",
    "differencing": "Trop peu de membres nouveaux pour ce partenaire : la comparaison avec ses listes "
    "précédentes les désignerait.",
    "overlap": "Recouvrement trop petit avec une autre liste du même partenaire : la comparaison "
    "désignerait quelques personnes.",
    "below_threshold": "La taille bruitée n'atteint pas le seuil de publication.",
    "stale": "Budget de confidentialité épuisé : la taille publiée précédente est conservée, sans "
    "nouveau tirage.",
}
UNKNOWN = "Refus d'un type que cette page ne sait pas encore décrire (voir le journal du service)."

EVENTS = {
    "page_view": "une page vue",
    "view_item": "la page d'un film",
    "select_item": "le choix d'une séance",
    "add_to_cart": "un ajout au panier",
    "begin_checkout": "un début de paiement",
    "purchase": "un achat de places",
}
LABELS = {"RD": "Recherche et Découverte", "JP": "Jeune Public", "PR": "Patrimoine et Répertoire"}
PER = {
    "film": "un segment par film",
    "region": "un segment par région",
    "category": "un segment par catégorie de cinéma (A à E)",
}
OVERLAP = {
    "in both": "dans les deux listes",
    "only in the new": "seulement dans la nouvelle liste",
    "only in the other": "seulement dans l'autre liste",
}


def _n(value: str | int) -> str:
    return f"{int(value):,}".replace(",", "\u202f")


def _pct(value: str | float) -> str:
    text = f"{float(value):.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


def _one(code: str, detail: str, cinema: Callable[[int], str]) -> str:
    """One refusal in French, with its figures when its detail reads as the guards write it."""
    m: re.Match[str] | None
    if code == "below_k" and (m := re.fullmatch(r"(\d+) members, fewer than k = (\d+)", detail)):
        return f"Trop peu de membres : {_n(m[1])}, moins que le minimum k = {_n(m[2])}."
    if code == "too_few_cinemas":
        if m := re.fullmatch(r"from (\d+) cinema\(s\), fewer than m = (\d+)", detail):
            return f"Trop peu de cinémas : le segment vient de {_n(m[1])} cinéma(s), moins que le minimum de {_n(m[2])}."
        if m := re.fullmatch(
            r"beyond its (\d+) largest cinemas, the others hold ([\d.]+)% of the segment, less than ([\d.]+)%",
            detail,
        ):
            return (
                f"Trop peu de cinémas qui comptent : hors ses {_n(m[1])} plus gros cinémas, les autres ne font "
                f"que {_pct(m[2])} du segment, moins que {_pct(m[3])}."
            )
    if code == "dominated" and (
        m := re.fullmatch(r"cinema (\d+) contributes ([\d.]+)% of the segment, more than ([\d.]+)%", detail)
    ):
        return (
            f"Un cinéma domine : {cinema(int(m[1]))} apporte {_pct(m[2])} du segment, plus que le "
            f"maximum de {_pct(m[3])}."
        )
    if code == "differencing" and (
        m := re.fullmatch(r"(\d+) member\(s\) new to this partner, fewer than k = (\d+)", detail)
    ):
        return (
            f"Trop peu de membres nouveaux pour ce partenaire : {_n(m[1])}, moins que k = {_n(m[2])} "
            "(la comparaison avec ses listes précédentes les désignerait)."
        )
    if code == "overlap" and (
        m := re.fullmatch(
            r"(\d+) member\(s\) (in both|only in the new|only in the other) list, fewer than k = (\d+)",
            detail,
        )
    ):
        return (
            f"Recouvrement trop petit avec une autre liste du même partenaire : {_n(m[1])} membre(s) "
            f"{OVERLAP[m[2]]}, moins que k = {_n(m[3])}."
        )
    if code == "below_threshold" and (m := re.fullmatch(r"the noisy size must reach (\d+)", detail)):
        return f"La taille bruitée n'atteint pas le seuil de publication de {_n(m[1])}."
    return REFUSALS.get(code, UNKNOWN)


def codes(refusal: str) -> list[str]:
    """The codes in a recorded refusal ("code: detail; code: detail")."""
    return [part.split(":", 1)[0].strip() for part in refusal.split("; ") if part.strip()]


def explain(refusal: str, cinema: Callable[[int], str]) -> list[str]:
    """A build's recorded refusal as French sentences; `cinema` names a cinema from its internal id
    (its CNC number and name)."""
    out = []
    for part in refusal.split("; "):
        if not part.strip():
            continue
        code, _, detail = part.partition(":")
        out.append(_one(code.strip(), detail.strip(), cinema))
    return out


def cinema_namer(cinemas: Iterable[tuple[int | None, str, str]]) -> Callable[[int], str]:
    """From (internal id, CNC number, name) to the words naming a cinema: « Le Méliès (CNC 9990001) »."""
    known = {i: f"{name} (CNC {cnc})" for i, cnc, name in cinemas if i is not None}
    return lambda i: known.get(i, "un cinéma qui n'est plus au registre")


def guards_fr(p: GuardPolicy) -> str:
    """The guards' parameters in one sentence."""
    return (
        f"Un segment n'est publié que s'il compte au moins k = {_n(p.k)} membres (vus au moins "
        f"{_n(p.credible_days)} jours) venant d'au moins {_n(p.min_cinemas)} cinémas, sans qu'un cinéma "
        f"en apporte plus de {_pct(100 * p.max_cinema_share)}, et sa taille publiée est bruitée "
        f"(bruit de Laplace, ε = {str(p.epsilon).replace('.', ',')} par publication)."
    )


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " ou " + items[-1]


def rules_fr(seg: Segment) -> list[str]:
    """What makes a visitor a member of this definition, one French sentence per condition."""
    out = [
        "Audience mutualisée seulement : visiteurs consentants, hors robots, ni retirés ni effacés.",
        f"Fenêtre : les {_n(seg.lookback_days)} derniers jours.",
    ]
    if seg.events:
        out.append(
            "Événements retenus : " + _listed([EVENTS.get(e, "un autre événement") for e in seg.events]) + "."
        )
    if seg.min_visits > 1:
        out.append(f"Au moins {_n(seg.min_visits)} visites (un cinéma un jour compte pour une visite).")
    if seg.min_cinemas > 1:
        out.append(f"Dans au moins {_n(seg.min_cinemas)} cinémas différents.")
    if seg.cinema_categories:
        out.append("Cinémas de catégorie " + _listed(list(seg.cinema_categories)) + ".")
    if seg.cinema_labels:
        out.append("Cinémas labellisés " + _listed([LABELS.get(lab, lab) for lab in seg.cinema_labels]) + ".")
    if seg.regions:
        out.append("Régions : " + ", ".join(seg.regions) + ".")
    if seg.films:
        out.append("Films : " + ", ".join(seg.films) + ".")
    if seg.per:
        out.append(PER.get(seg.per, "découpé en plusieurs segments").capitalize() + ".")
    return out


STEPS = {
    "pooled visitors, grouped once": "Regroupement des visiteurs de l'audience mutualisée",
    "consent of every pooled visitor": "Consentement de chaque visiteur mutualisé",
    "privacy guards and the published sizes": "Garde-fous de confidentialité et tailles publiées",
}


def step_fr(what: str) -> str:
    """A builder's progress step (segments/builder.py) in French."""
    if what in STEPS:
        return STEPS[what]
    if m := re.fullmatch(r"segments? (.+)", what):
        return "Segments " + m[1]
    if m := re.fullmatch(r"done: (\d+) published of (\d+)", what):
        return f"Terminé : {_n(m[1])} publié(s) sur {_n(m[2])}"
    return "Construction en cours"


@dataclass(frozen=True)
class SizeChart:
    """One definition's published sizes per build day: x as midnight in Paris (Unix seconds)."""

    id: str
    title: str
    x: list[int]
    series: list[dict[str, object]]


def midnight(day: date) -> int:
    return int(datetime.combine(day, time(), PARIS).timestamp())


MAX_SERIES = 6  # a split definition shows its largest keys only


def size_charts(
    rows: Iterable[tuple[date, str, int]], titles: dict[str, str], first: date, days: int
) -> list[SizeChart]:
    """(day, segment key, published size) rows as one chart of the whole definitions and one per
    split definition (its largest keys), every day laid out (None where nothing was published)."""
    all_days = [first + timedelta(days=i) for i in range(days)]
    x = [midnight(d) for d in all_days]
    by_key: dict[str, dict[date, int]] = {}
    for d, key, size in rows:
        by_key.setdefault(key, {})[d] = size

    def series(keys: list[str], label: Callable[[str], str]) -> list[dict[str, object]]:
        return [{"label": label(k), "values": [by_key[k].get(d) for d in all_days]} for k in keys]

    plain = sorted(k for k in by_key if "/" not in k)
    charts = []
    if plain:
        charts.append(
            SizeChart(
                "tailles",
                "Tailles publiées par jour de construction (90 jours)",
                x,
                series(plain, lambda k: titles.get(k, k)),
            )
        )
    split: dict[str, list[str]] = {}
    for k in by_key:
        if "/" in k:
            split.setdefault(k.split("/", 1)[0], []).append(k)
    for sid in sorted(split):
        keys = split[sid]
        keys.sort(key=lambda k: (-max(by_key[k].values(), default=0), k))
        charts.append(
            SizeChart(
                f"tailles-{sid}",
                f"{titles.get(sid, sid)} : tailles publiées (les {min(len(keys), MAX_SERIES)} plus grands)",
                x,
                series(sorted(keys[:MAX_SERIES]), lambda k: k.split("/", 1)[1]),
            )
        )
    return charts
