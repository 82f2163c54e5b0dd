"""Import cinemas from a CSV shaped like the CNC / SCARE cinema lists, with row-level errors.

Accepted headers (case and accents ignored): the CNC establishment number
("N° auto", "numero auto", "cnc_id", "cineid"), name ("nom", "nom de l'établissement",
"cinenom", "name"), town ("commune", "ville", "cineville", "town"), category
("catégorie", "categorie ae", "category"), labels ("labels", "label") and domains
("site web", "domains", "website"). Delimiter `;` or `,` is detected.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from artaud.controlplane.model import Cinema, InvalidCinema, make_cinema

_ALIASES = {
    "cnc_id": ("n auto", "no auto", "numero auto", "n° auto", "cnc_id", "cnc", "cineid", "n auto cnc"),
    "name": ("nom", "nom de l'etablissement", "nom etablissement", "cinenom", "name", "etablissement"),
    "town": ("commune", "ville", "cineville", "town"),
    "category": ("categorie", "categorie ae", "category", "categorie art et essai"),
    "labels": ("labels", "label", "labels ae"),
    "domains": ("site web", "site", "domains", "domain", "website", "domaines"),
}


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return " ".join(s.replace("°", " ").replace("_", " ").lower().split())


_LOOKUP = {_fold(alias): key for key, aliases in _ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class Refusal:
    """Why one line was refused, for a reader in another language than the messages' (the console):
    `reason` is one of REFUSALS, `problems` the field problems of make_cinema (reason "fields"),
    `detail` the CNC number or the missing columns it names."""

    line: int
    reason: str
    problems: dict[str, str] = field(default_factory=dict)
    detail: str = ""


REFUSALS = ("empty", "header", "columns", "too_many_fields", "fields", "twice", "registered", "unreadable")


@dataclass
class ImportReport:
    cinemas: list[Cinema] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    refusals: list[Refusal] = field(default_factory=list)  # the same lines, by reason

    @property
    def ok(self) -> bool:
        return not self.errors

    def refuse(self, refusal: Refusal, message: str) -> None:
        self.errors.append((refusal.line, message))
        self.refusals.append(refusal)


def parse_cinema_csv(text: str, existing_cnc_ids: set[str] | None = None) -> ImportReport:
    """Parse every row; valid rows become cinemas, invalid rows become (line, message) errors."""
    report = ImportReport()
    existing = set(existing_cnc_ids or ())
    if text.startswith("\ufeff"):
        text = text[1:]
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        report.refuse(Refusal(1, "empty"), "empty file: expected a header line")
        return report
    except csv.Error as exc:
        report.refuse(Refusal(1, "header"), f"unreadable header: {exc}")
        return report
    columns: dict[int, str] = {}
    for i, h in enumerate(header):
        key = _LOOKUP.get(_fold(h))
        if key and key not in columns.values():
            columns[i] = key
    missing = [k for k in ("cnc_id", "name", "category") if k not in columns.values()]
    if missing:
        report.refuse(
            Refusal(1, "columns", detail=", ".join(missing)),
            f"missing column(s): {', '.join(missing)} (header was {header!r})",
        )
        return report
    seen: set[str] = set()
    for line_no, row in _rows(reader, report):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            report.refuse(
                Refusal(line_no, "too_many_fields", detail=str(len(row))),
                f"{len(row)} fields but the header has {len(header)}",
            )
            continue
        fields = {key: (row[i] if i < len(row) else "") for i, key in columns.items()}
        try:
            cinema = make_cinema(
                cnc_id=fields.get("cnc_id", ""),
                name=fields.get("name", ""),
                town=fields.get("town", ""),
                category=fields.get("category", ""),
                labels=fields.get("labels", ""),
                domains=fields.get("domains", ""),
            )
        except InvalidCinema as exc:
            report.refuse(Refusal(line_no, "fields", dict(exc.problems)), str(exc))
            continue
        if cinema.cnc_id in seen:
            report.refuse(
                Refusal(line_no, "twice", detail=cinema.cnc_id),
                f"CNC number {cinema.cnc_id} appears twice in the file",
            )
            continue
        if cinema.cnc_id in existing:
            report.refuse(
                Refusal(line_no, "registered", detail=cinema.cnc_id),
                f"CNC number {cinema.cnc_id} is already registered",
            )
            continue
        seen.add(cinema.cnc_id)
        report.cinemas.append(cinema)
    return report


def _rows(reader: Iterator[list[str]], report: ImportReport) -> Iterator[tuple[int, list[str]]]:
    """Rows with their line numbers; a line the CSV reader cannot parse ends the file with an error."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = getattr(reader, "line_num", 0)
            report.refuse(Refusal(line, "unreadable"), f"unreadable CSV: {exc}")
            return
        yield getattr(reader, "line_num", 0), row
