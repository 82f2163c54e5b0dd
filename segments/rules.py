"""Segment definitions compiled to ClickHouse SQL (IO-free).

The SQL is accepted by both engines the project runs (chdb 26.x and the ClickHouse 18.16 server):
plain GROUP BY / HAVING, `IN`, `transform`, `groupUniqArray`, no window functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from segments.definitions import Segment
from warehouse.loader import sql_str


@dataclass(frozen=True)
class CinemaInfo:
    id: int
    category: str
    labels: tuple[str, ...]
    active: bool = True


def _list(values: Sequence[str]) -> str:
    return ", ".join(sql_str(v) for v in values)


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
        cats = _list([c.category for c in cinemas])
        return f"transform(cinema_id, [{ids}], [{cats}], '')"
    return "''"


def members_sql(db: str, build_id: str, seg: Segment, cinemas: Sequence[CinemaInfo], today: date) -> str:
    """INSERT ... SELECT of one definition's members for one build: visitors of the pooled track (every
    pooled event carries the pooled-audience consent), not bots, within the look-back window, in the
    segment's cinemas, and not withdrawn or erased (`suppressions`). Which partners each member's
    consent covers is read from `segment_visitors` of the same build when exporting."""
    allowed = participating(seg, cinemas)
    where = [*_pooled(db, today, seg.lookback_days), _condition(seg, allowed, today)]
    if seg.per == "film":
        where.append("film_ref != ''")
    if seg.per == "region":
        where.append("region != ''")
    having = []
    if seg.min_visits > 1:  # distinct (cinema, day) pairs, packed in one integer: cheaper than a tuple
        having.append(f"uniqExact(toUInt64(cinema_id) * 65536 + toUInt16(event_date)) >= {seg.min_visits}")
    if seg.min_cinemas > 1:  # the cinemas array is aggregated anyway
        having.append(f"length(cinemas) >= {seg.min_cinemas}")
    key = f"concat({sql_str(seg.id + '/')}, dim)" if seg.per else sql_str(seg.id)
    return (
        f"INSERT INTO {db}.segment_members (built_on, build_id, segment_key, visitor, cinemas) "
        f"SELECT toDate({sql_str(today.isoformat())}), {sql_str(build_id)}, {key}, visitor, cinemas FROM ("
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
        f"event_date >= toDate({sql_str(first.isoformat())})",
        f"event_date <= toDate({sql_str(today.isoformat())})",
        f"visitor NOT IN (SELECT visitor FROM {db}.suppressions)",
    ]


def _condition(seg: Segment, allowed: Sequence[CinemaInfo], today: date) -> str:
    """What makes an event count for this definition, as one boolean expression."""
    first = today - timedelta(days=seg.lookback_days - 1)
    parts = [
        f"event_date >= toDate({sql_str(first.isoformat())})",
        f"cinema_id IN ({', '.join(str(c.id) for c in allowed) or '0'})",
    ]
    if seg.events:
        parts.append(f"event_name IN ({_list(seg.events)})")
    if seg.regions:
        parts.append(f"region IN ({_list(seg.regions)})")
    if seg.films:
        parts.append(f"film_ref IN ({_list(seg.films)})")
    return "(" + " AND ".join(parts) + ")"


def visitors_and_members_sql(
    db: str,
    build_id: str,
    segs: Sequence[Segment],
    cinemas: Sequence[CinemaInfo],
    today: date,
    lookback_days: int,
) -> list[str]:
    """The statements of a build's main pass: one grouping of the pooled events by visitor gives both
    every visitor's consent as it stands (`segment_visitors`: the purposes of their latest pooled event,
    within `lookback_days`) and, with one conditional aggregate per undivided definition (no `per`),
    the members of those definitions (`segment_members`, same members as `members_sql` for each, and
    bots left out of membership only). The grouped rows go through a temporary in-memory table, read
    twice and dropped. Withdrawn and erased visitors (`suppressions`) are left out of both."""
    assert not any(s.per for s in segs)
    first = today - timedelta(days=lookback_days - 1)
    day = f"toDate({sql_str(today.isoformat())})"
    keys, arrays, oks = [], [], []
    for seg in segs:
        cond = (
            f"(is_bot = 0 AND event_date <= {day} AND {_condition(seg, participating(seg, cinemas), today)})"
        )
        arr = f"groupUniqArrayIf(cinema_id, {cond})"
        ok = [f"countIf({cond}) > 0"]
        if seg.min_visits > 1:
            ok.append(
                f"uniqExactIf(toUInt64(cinema_id) * 65536 + toUInt16(event_date), {cond}) >= {seg.min_visits}"
            )
        if seg.min_cinemas > 1:
            ok.append(f"length({arr}) >= {seg.min_cinemas}")
        keys.append(sql_str(seg.id))
        arrays.append(arr)
        oks.append("toUInt8(" + " AND ".join(ok) + ")")
    tmp = _pass_table(db, build_id)
    member_cols = f", [{', '.join(arrays)}] AS arrays, [{', '.join(oks)}] AS oks" if segs else ""
    statements = [
        f"CREATE TABLE {tmp} ENGINE = Memory AS "
        f"SELECT visitor, argMax(consent_purposes, received_at) AS purposes, max(received_at) AS last_seen"
        f"{member_cols} FROM {db}.events "
        f"WHERE track = 'pooled' AND event_date >= toDate({sql_str(first.isoformat())}) "
        f"AND visitor NOT IN (SELECT visitor FROM {db}.suppressions) GROUP BY visitor",
        f"INSERT INTO {db}.segment_visitors (built_on, build_id, visitor, purposes, last_seen) "
        f"SELECT {day}, {sql_str(build_id)}, visitor, purposes, last_seen FROM {tmp}",
    ]
    if segs:
        statements.append(
            f"INSERT INTO {db}.segment_members (built_on, build_id, segment_key, visitor, cinemas) "
            f"SELECT {day}, {sql_str(build_id)}, key, visitor, member_cinemas FROM {tmp} "
            f"ARRAY JOIN [{', '.join(keys)}] AS key, arrays AS member_cinemas, oks AS ok WHERE ok = 1"
        )
    return statements


def _pass_table(db: str, build_id: str) -> str:
    return f"{db}.build_pass_{hashlib.sha256(build_id.encode()).hexdigest()[:16]}"


def drop_pass_sql(db: str, build_id: str) -> str:
    return f"DROP TABLE IF EXISTS {_pass_table(db, build_id)}"


def contributions_sql(db: str, build_id: str) -> str:
    """Per segment key and cinema: members counted 1/n for n cinemas visited, and member counts."""
    return (
        f"SELECT segment_key, c, sum(1 / length(cinemas)) FROM {db}.segment_members "
        f"ARRAY JOIN cinemas AS c WHERE build_id = {sql_str(build_id)} GROUP BY segment_key, c"
    )


def counts_sql(db: str, build_id: str) -> str:
    return (
        f"SELECT segment_key, count() FROM {db}.segment_members "
        f"WHERE build_id = {sql_str(build_id)} GROUP BY segment_key"
    )
