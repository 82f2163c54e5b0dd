"""Read a contributions file (CSV text) into participants, naming the line and the field of any error.

Columns, in any order, header names in any case: `cinema` (the CNC number), `category` (A to E),
`contribution` (an exact decimal: a visitor seen at k cinemas counts 1/k at each) and, optionally,
`days` (whole days of participation in the flight). The delimiter is `,`, or `;` when the header has
more of those (a French spreadsheet's export, where `12,5` is then read as a decimal comma). Blank lines
are skipped. An unknown column is refused rather than ignored: a misspelt `days` would otherwise
silently mean "all took part throughout".
"""

from __future__ import annotations

import csv
import io
import re

from artaud.remuneration.errors import InvalidContributions
from artaud.remuneration.inputs import Participant
from artaud.remuneration.numbers import exact_decimal

REQUIRED = ("cinema", "category", "contribution")
OPTIONAL = ("days",)
_DAYS = re.compile(r"[0-9]{1,6}")


def parse_contributions(text: str) -> list[Participant]:
    """Every row as a Participant, in the file's order; the first problem raises InvalidContributions."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:  # an unclosed quote, a NUL byte, a field past the csv module's limit
        raise InvalidContributions(f"not readable as CSV ({exc})", line=reader.line_num or 1) from None
    if not rows:
        raise InvalidContributions(f"empty file: expected the header {','.join(REQUIRED)}[,days]", line=1)
    header_line, header = rows[0]
    columns = _columns(header, header_line)
    participants: list[Participant] = []
    first_line: dict[str, int] = {}
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise InvalidContributions(
                f"{len(row)} field(s), expected {len(header)} ({delimiter.join(c.strip() for c in header)})",
                line=line,
            )
        cells = {name: row[i].strip() for name, i in columns.items()}
        participant = _participant(cells, line)
        if participant.cinema in first_line:
            raise InvalidContributions(
                f"{participant.cinema} is already on line {first_line[participant.cinema]}",
                field="cinema",
                line=line,
            )
        first_line[participant.cinema] = line
        participants.append(participant)
    return participants


def _columns(header: list[str], line: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = raw.strip().lower()
        if name not in REQUIRED + OPTIONAL:
            raise InvalidContributions(
                f"unknown column {raw.strip()[:40]!r} (the columns are {', '.join(REQUIRED + OPTIONAL)})",
                line=line,
            )
        if name in columns:
            raise InvalidContributions(f"column {name!r} appears twice", line=line)
        columns[name] = i
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise InvalidContributions(f"missing column(s) {', '.join(missing)}", line=line)
    return columns


def _participant(cells: dict[str, str], line: int) -> Participant:
    try:
        contribution = exact_decimal(cells["contribution"])
    except ValueError as exc:
        raise InvalidContributions(str(exc), field="contribution", line=line) from None
    days: int | None = None
    if "days" in cells:
        if not _DAYS.fullmatch(cells["days"]):
            raise InvalidContributions(
                f"a whole number of days ≥ 0, got {cells['days'][:40]!r}", field="days", line=line
            )
        days = int(cells["days"])
    try:
        return Participant(cells["cinema"], cells["category"], contribution, days)
    except InvalidContributions as exc:
        raise exc.located(line=line) from None
