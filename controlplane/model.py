"""IO-free cinema model and validation (CNC number, category, labels, domains)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from artaud.errors import InvalidFields

CATEGORIES = ("A", "B", "C", "D", "E")
# Art et Essai labels: Recherche et Découverte, Jeune Public, Patrimoine et Répertoire.
LABELS = {"RD": "Recherche et Découverte", "JP": "Jeune Public", "PR": "Patrimoine et Répertoire"}
STATUSES = ("active", "suspended")

_LABEL_ALIASES = {
    "rd": "RD",
    "recherche": "RD",
    "recherche et decouverte": "RD",
    "recherche et découverte": "RD",
    "jp": "JP",
    "jeune public": "JP",
    "pr": "PR",
    "patrimoine": "PR",
    "patrimoine et repertoire": "PR",
    "patrimoine et répertoire": "PR",
}
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$")
_CNC = re.compile(r"^\d{1,7}$")


class InvalidCinema(InvalidFields):
    code = "invalid_cinema"


@dataclass(frozen=True)
class Cinema:
    cnc_id: str
    name: str
    town: str
    category: str
    labels: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    site_key: str = field(default_factory=lambda: new_site_key())
    status: str = "active"
    id: int | None = None


def new_site_key() -> str:
    return "sk_" + secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


def normalise_domain(raw: str) -> str:
    d = raw.strip().lower()
    for prefix in ("https://", "http://"):
        if d.startswith(prefix):
            d = d[len(prefix) :]
    d = d.split("/", 1)[0].split(":", 1)[0].rstrip(".")
    if d.startswith("www."):
        d = d[4:]
    return d


def parse_labels(raw: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    parts = raw if isinstance(raw, list | tuple) else re.split(r"[,;|/]", raw)
    out: list[str] = []
    for p in parts:
        key = p.strip().lower()
        if not key:
            continue
        if key not in _LABEL_ALIASES:
            raise ValueError(f"unknown label {p.strip()!r} (expected one of RD, JP, PR)")
        code = _LABEL_ALIASES[key]
        if code not in out:
            out.append(code)
    return tuple(sorted(out))


def make_cinema(
    *,
    cnc_id: str,
    name: str,
    town: str,
    category: str,
    labels: str | list[str] | tuple[str, ...] = (),
    domains: str | list[str] | tuple[str, ...] = (),
    site_key: str | None = None,
    status: str = "active",
) -> Cinema:
    """Validate raw fields into a Cinema, or raise InvalidCinema listing every problem."""
    problems: dict[str, str] = {}
    cnc = cnc_id.strip()
    if not _CNC.match(cnc):
        problems["cnc_id"] = f"must be the CNC establishment number (1 to 7 digits), got {cnc_id!r}"
    else:
        cnc = cnc.zfill(7)
    if not name.strip():
        problems["name"] = "must not be empty"
    elif len(name) > 200:
        problems["name"] = "longer than 200 characters"
    if len(town) > 200:
        problems["town"] = "longer than 200 characters"
    cat = category.strip().upper()
    if cat not in CATEGORIES:
        problems["category"] = f"must be one of A, B, C, D, E, got {category!r}"
    try:
        labs = parse_labels(labels)
    except ValueError as exc:
        problems["labels"] = str(exc)
        labs = ()
    raw_domains = domains if isinstance(domains, list | tuple) else re.split(r"[,;\s]+", domains)
    doms: list[str] = []
    for raw in raw_domains:
        if not raw.strip():
            continue
        d = normalise_domain(raw)
        if not _HOST.match(d):
            problems["domains"] = f"not a host name: {raw.strip()!r}"
            break
        if d not in doms:
            doms.append(d)
    if status not in STATUSES:
        problems["status"] = f"must be one of {', '.join(STATUSES)}"
    if site_key is not None and not re.match(r"^sk_[A-Za-z0-9]{8,40}$", site_key):
        problems["site_key"] = "must look like sk_ followed by 8 to 40 letters or digits"
    if problems:
        raise InvalidCinema(problems)
    return Cinema(
        cnc_id=cnc,
        name=name.strip(),
        town=town.strip(),
        category=cat,
        labels=labs,
        domains=tuple(doms),
        site_key=site_key or new_site_key(),
        status=status,
    )
