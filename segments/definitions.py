"""Segment definitions (IO-free): declarative, versioned, validated with errors that name the
segment and the key.

A definition says which pooled-track events make a visitor a member: a look-back window, event
names, cinema categories and labels, regions, films, a minimum number of visits (distinct cinema-days)
and of cinemas. `per` splits one definition into one segment per film, region or cinema category.
Changing what a definition selects needs a new `version`: the builder refuses a changed rule under a
version already built (`rule_hash`).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from artaud.collector.hit import EVENT_NAMES
from artaud.errors import InvalidInput

CATEGORIES = frozenset({"A", "B", "C", "D", "E"})
LABELS = frozenset({"RD", "JP", "PR"})
PER = frozenset({"film", "region", "category"})
MAX_LOOKBACK_DAYS = 760  # events live at most 25 months
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_REGION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_FILM = re.compile(r"^[a-z0-9~-]{1,161}$")
KEYS = frozenset(
    {
        "id",
        "version",
        "title",
        "description",
        "lookback_days",
        "events",
        "min_visits",
        "min_cinemas",
        "cinema_categories",
        "cinema_labels",
        "regions",
        "films",
        "per",
        "iab",
    }
)


class InvalidSegments(InvalidInput):
    """Definitions that cannot be used; `problems` lists each one as 'segment.key: reason'."""

    code = "invalid_segments"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("segment definitions: " + "; ".join(problems))


@dataclass(frozen=True)
class Segment:
    id: str
    version: int
    title: str
    description: str = ""
    lookback_days: int = 30
    events: tuple[str, ...] = ()  # empty: any event
    min_visits: int = 1  # distinct (cinema, day) pairs
    min_cinemas: int = 1
    cinema_categories: tuple[str, ...] = ()
    cinema_labels: tuple[str, ...] = ()  # a cinema with any of these labels
    regions: tuple[str, ...] = ()
    films: tuple[str, ...] = ()  # film references (collector/films.py)
    per: str = ""  # "", "film", "region" or "category"
    iab: tuple[int, ...] = ()  # IAB Audience Taxonomy 1.1 ids

    @property
    def rule_hash(self) -> str:
        """What the rule selects (not its wording): a changed hash needs a new version."""
        rule = {
            k: v for k, v in asdict(self).items() if k not in ("id", "version", "title", "description", "iab")
        }
        return hashlib.sha256(json.dumps(rule, sort_keys=True).encode()).hexdigest()[:16]


def _strings(
    where: str, value: object, allowed: frozenset[str] | None, pattern: re.Pattern[str] | None
) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: expected a list of strings")
    for v in value:
        if allowed is not None and v not in allowed:
            raise ValueError(f"{where}: {v!r} is not one of {', '.join(sorted(allowed))}")
        if pattern is not None and not pattern.match(v):
            raise ValueError(f"{where}: {v!r} is not valid")
    return tuple(value)


def _int(where: str, value: object, lo: int, hi: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ValueError(f"{where}: expected an integer from {lo} to {hi}")
    return value


def parse_segment(raw: dict[str, Any], index: int) -> Segment:
    sid = raw.get("id")
    name = sid if isinstance(sid, str) and sid else f"segment #{index + 1}"
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ValueError(f"{name}: unknown key(s) {', '.join(unknown)}")
    if not isinstance(sid, str) or not _ID.match(sid):
        raise ValueError(f"{name}.id: 1 to 40 lower-case letters, digits or dashes")
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"{sid}.title: a non-empty string")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise ValueError(f"{sid}.description: a string")
    per = raw.get("per", "")
    if per != "" and per not in PER:
        raise ValueError(f"{sid}.per: one of {', '.join(sorted(PER))}")
    iab = raw.get("iab", [])
    if not isinstance(iab, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= 99999 for i in iab
    ):
        raise ValueError(f"{sid}.iab: a list of IAB Audience Taxonomy ids")
    seg = Segment(
        id=sid,
        version=_int(f"{sid}.version", raw.get("version"), 1, 10_000),
        title=title.strip(),
        description=description.strip(),
        lookback_days=_int(f"{sid}.lookback_days", raw.get("lookback_days", 30), 1, MAX_LOOKBACK_DAYS),
        events=_strings(f"{sid}.events", raw.get("events", []), frozenset(EVENT_NAMES), None),
        min_visits=_int(f"{sid}.min_visits", raw.get("min_visits", 1), 1, 1000),
        min_cinemas=_int(f"{sid}.min_cinemas", raw.get("min_cinemas", 1), 1, 1000),
        cinema_categories=_strings(
            f"{sid}.cinema_categories", raw.get("cinema_categories", []), CATEGORIES, None
        ),
        cinema_labels=_strings(f"{sid}.cinema_labels", raw.get("cinema_labels", []), LABELS, None),
        regions=_strings(f"{sid}.regions", raw.get("regions", []), None, _REGION),
        films=_strings(f"{sid}.films", raw.get("films", []), None, _FILM),
        per=per,
        iab=tuple(iab),
    )
    if seg.min_cinemas > seg.min_visits:
        raise ValueError(f"{sid}.min_cinemas: cannot exceed min_visits (a visit is one cinema on one day)")
    if per == "film" and seg.films:
        raise ValueError(f"{sid}: per = 'film' and films together (one or the other)")
    return seg


def parse_segments(doc: dict[str, Any]) -> tuple[Segment, ...]:
    """Definitions from a TOML document with `[[segment]]` tables; every problem reported at once."""
    unknown = sorted(set(doc) - {"segment"})
    problems = [f"unknown table(s) {', '.join(unknown)}: only [[segment]]"] if unknown else []
    raw = doc.get("segment", [])
    if not isinstance(raw, list):
        raise InvalidSegments([*problems, "segment: use [[segment]] tables"])
    out: list[Segment] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append(f"segment #{i + 1}: a table")
            continue
        try:
            out.append(parse_segment(item, i))
        except ValueError as exc:
            problems.append(str(exc))
    seen: set[str] = set()
    for seg in out:
        if seg.id in seen:
            problems.append(f"{seg.id}: defined twice")
        seen.add(seg.id)
    if not out and not problems:
        problems.append("no [[segment]] defined")
    if problems:
        raise InvalidSegments(problems)
    return tuple(out)


def load_segments(path: Path | None = None) -> tuple[Segment, ...]:
    """The definitions in `path`, or the shipped defaults (config/segments.toml)."""
    if path is None:
        text = resources.files("artaud.config").joinpath("segments.toml").read_text(encoding="utf-8")
        where = "config/segments.toml"
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidSegments([f"{path}: {exc.strerror or exc}"]) from None
        where = str(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidSegments([f"{where}: not valid TOML ({exc})"]) from None
    return parse_segments(doc)
