"""Segment definitions compiled to ClickHouse SQL (IO-free).

The SQL is accepted by both engines the project runs (chdb 26.x and the ClickHouse 18.16 server):
plain GROUP BY / HAVING, `IN`, `transform`, `groupUniqArray`, no window functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from artaud.segments.definitions import Segment
from artaud.segments.packing import CINEMA_DAY
from artaud.segments.packing import FLAGS as FLAGS  # re-exported: tests/segments read the capacity here
from artaud.warehouse.sql import quote, quote_list, string_array, to_date


@dataclass(frozen=True)
class CinemaInfo:
    id: int
    category: str
    labels: tuple[str, ...]
    active: bool = True


def participating(seg: Segment, cinemas: Sequence[CinemaInfo]) -> list[CinemaInfo]:
    """The active cinemas this segment may draw on (its categories and labels)."""
    out = []
    for c in cinemas:
        if not c.active:
            continue
        if seg.cinema_categories and c.category not in seg.cinema_categories:
            continue
        if seg.cinema_labels and not set(seg.cinema_labels) & set(c.labels):
            continue
        out.append(c)
    return sorted(out, key=lambda c: c.id)


def dimension(seg: Segment, cinemas: Sequence[CinemaInfo]) -> str:
    """SQL for the value that splits a `per` segment (film, region or cinema category), "" otherwise;
    the key `id/<value>` is built after grouping, once per member rather than once per event."""
    if seg.per == "film":
        return "film_ref"
    if seg.per == "region":
        return "region"
    if seg.per == "category" and cinemas:
        ids = ", ".join(f"toUInt32({c.id})" for c in cinemas)
        cats = string_array(c.category for c in cinemas)
        return f"transform(cinema_id, [{ids}], {cats}, '')"
    return "''"


def members_sql(db: str, build_id: str, seg: Segment, cinemas: Sequence[CinemaInfo], today: date) -> str:
    """INSERT ... SELECT of one definition's members for one build: visitors of the pooled track (every
    pooled event carries the pooled-audience consent), not bots, within the look-back window, in the
    segment's cinemas, and not withdrawn or erased (`suppressions`). Which partners each member's
    consent covers is read from `segment_visitors` of the same build when exporting.

    This is the plain statement of a rule, one query per definition: the reference the builder's
    passes over its visitor table (`segments.visitor_table`) are tested against, row for row."""
    allowed = participating(seg, cinemas)
    where = [*_pooled(db, today, seg.lookback_days), _condition(seg, allowed, today)]
    if seg.per == "film":
        where.append("film_ref != ''")
    if seg.per == "region":
        where.append("region != ''")
    having = []
    if seg.min_visits > 1:  # distinct (cinema, day) pairs, packed in one integer: cheaper than a tuple
        having.append(f"uniqExact({CINEMA_DAY}) >= {seg.min_visits}")
    if seg.min_cinemas > 1:  # the cinemas array is aggregated anyway
        having.append(f"length(cinemas) >= {seg.min_cinemas}")
    key = f"concat({quote(seg.id + '/')}, dim)" if seg.per else quote(seg.id)
    return (
        f"INSERT INTO {db}.segment_members (built_on, build_id, segment_key, visitor, cinemas) "
        f"SELECT {to_date(today)}, {quote(build_id)}, {key}, visitor, cinemas FROM ("
        f"SELECT dim, visitor, groupUniqArray(cinema_id) AS cinemas "
        f"FROM (SELECT {dimension(seg, allowed)} AS dim, visitor, cinema_id, event_date FROM {db}.events "
        f"WHERE {' AND '.join(where)}) "
        f"GROUP BY dim, visitor" + (f" HAVING {' AND '.join(having)}" if having else "") + ")"
    )


def _pooled(db: str, today: date, lookback_days: int) -> list[str]:
    """The events any segment draws on: the pooled track (every pooled event carries the pooled-audience
    consent), no bots, within the window, no withdrawn or erased visitor."""
    first = today - timedelta(days=lookback_days - 1)
    return [
        "track = 'pooled'",
        "is_bot = 0",
        f"event_date >= {to_date(first)}",
        f"event_date <= {to_date(today)}",
        f"visitor NOT IN (SELECT visitor FROM {db}.suppressions)",
    ]


def event_condition(seg: Segment, allowed: Sequence[CinemaInfo]) -> str:
    """What makes an event count for this definition, its look-back window aside."""
    parts = [f"cinema_id IN ({', '.join(str(c.id) for c in allowed) or '0'})"]
    if seg.events:
        parts.append(f"event_name IN ({quote_list(seg.events)})")
    if seg.regions:
        parts.append(f"region IN ({quote_list(seg.regions)})")
    if seg.films:
        parts.append(f"film_ref IN ({quote_list(seg.films)})")
    return "(" + " AND ".join(parts) + ")"


def _condition(seg: Segment, allowed: Sequence[CinemaInfo], today: date) -> str:
    """What makes an event count for this definition, as one boolean expression."""
    first = today - timedelta(days=seg.lookback_days - 1)
    return f"(event_date >= {to_date(first)} AND {event_condition(seg, allowed)})"


@dataclass(frozen=True)
class Target:
    """One segment key read off a flag of the packed events: a definition, or one category of a
    definition split per cinema category (categories come from the cinema registry, so these keys
    are known before any event is read)."""

    key: str
    seg: Segment
    cinemas: tuple[CinemaInfo, ...]


OWN_PASS = frozenset({"film", "region"})  # `per` values split on an event's string (a pass each)


def shared_targets(segs: Sequence[Segment], cinemas: Sequence[CinemaInfo]) -> list[Target]:
    """The keys read off their flag alone: every definition whose `per` is not in OWN_PASS."""
    out = []
    for seg in segs:
        if seg.per in OWN_PASS:
            continue
        allowed = participating(seg, cinemas)
        if not seg.per:
            out.append(Target(seg.id, seg, tuple(allowed)))
        else:  # per category
            for cat in sorted({c.category for c in allowed}):
                out.append(Target(f"{seg.id}/{cat}", seg, tuple(c for c in allowed if c.category == cat)))
    return out


# Groupings by visitor hash the pseudonym to 128 bits (a fixed-size key, compared in place) rather
# than hashing and comparing the string: two visitors share a key only as often as two share a
# pseudonym, which are themselves 128-bit keyed hashes.
VISITOR_KEY = "sipHash128(visitor)"


def contributions_sql(db: str, build_id: str) -> str:
    """Per segment key and cinema: credible members counted 1/n for n cinemas visited, and the credible
    members whose first cinema this is (so the credible members of a key are the sum of the latter
    over its cinemas: a member's cinemas are distinct, and never empty). Sizes and thresholds count
    credible members only (seen on `GuardPolicy.credible_days` days at least)."""
    return (
        f"SELECT segment_key, c, sumIf(1 / length(cinemas), credible = 1), countIf(c = cinemas[1] AND credible = 1) "
        f"FROM {db}.segment_members "
        f"ARRAY JOIN cinemas AS c WHERE build_id = {quote(build_id)} GROUP BY segment_key, c"
    )


def exportable_sql(db: str, build_id: str, slug: str) -> str:
    """SQL condition on a build's `segment_members` rows: what an export to partner `slug` holds.
    Credible members (docs/threat-model.md, T4) whose consent at the build covers that partner, not
    withdrawn or erased since. The partner's view of a segment (its listed size) and its exports
    count exactly these rows."""
    b = quote(build_id)
    return (
        f"build_id = {b} AND credible = 1 "
        f"AND visitor IN (SELECT visitor FROM {db}.segment_visitors WHERE build_id = {b} "
        f"AND has(splitByChar(',', purposes), {quote('partner:' + slug)})) "
        f"AND visitor NOT IN (SELECT visitor FROM {db}.suppressions)"
    )


def partner_view_sql(db: str, build_id: str, slug: str, keys: Sequence[str]) -> str:
    """Per segment key (among `keys`) and cinema: the members an export to `slug` would hold, counted
    1/n for n cinemas visited, and those whose first cinema this is (as `contributions_sql`)."""
    return (
        f"SELECT segment_key, c, sum(1 / length(cinemas)), countIf(c = cinemas[1]) "
        f"FROM {db}.segment_members ARRAY JOIN cinemas AS c "
        f"WHERE {exportable_sql(db, build_id, slug)} AND segment_key IN ({quote_list(keys) or quote('')}) "
        f"GROUP BY segment_key, c"
    )


def worst_person_sql(db: str, build_id: str, keys: Sequence[str], views: Sequence[tuple[str, str]]) -> str:
    """How many of the releases the member in the most of them is in: segment `keys`, and partner
    `views` as (segment key, partner slug)."""
    parts = []
    if keys:
        parts.append(
            f"SELECT visitor FROM {db}.segment_members WHERE build_id = {quote(build_id)} "
            f"AND segment_key IN ({quote_list(keys)})"
        )
    by_slug: dict[str, list[str]] = {}
    for key, slug in views:
        by_slug.setdefault(slug, []).append(key)
    for slug, view_keys in sorted(by_slug.items()):
        parts.append(
            f"SELECT visitor FROM {db}.segment_members WHERE {exportable_sql(db, build_id, slug)} "
            f"AND segment_key IN ({quote_list(view_keys)})"
        )
    if not parts:
        return "SELECT 0"
    return f"SELECT max(n) FROM (SELECT visitor, count() AS n FROM ({' UNION ALL '.join(parts)}) GROUP BY visitor)"
