"""Segment definitions compiled to ClickHouse SQL (IO-free).

The SQL is accepted by both engines the project runs (chdb 26.x and the ClickHouse 18.16 server):
plain GROUP BY / HAVING, `IN`, `transform`, `groupUniqArray`, no window functions.
"""

from __future__ import annotations

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
    the key `id/<value>` is built after grouping, once per member rather than once per event. The
    builder runs `members_sql` for films and regions only; for every other definition it stays the
    plain reference the shared pass is tested against."""
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


def event_condition(seg: Segment, allowed: Sequence[CinemaInfo]) -> str:
    """What makes an event count for this definition, its look-back window aside."""
    parts = [f"cinema_id IN ({', '.join(str(c.id) for c in allowed) or '0'})"]
    if seg.events:
        parts.append(f"event_name IN ({_list(seg.events)})")
    if seg.regions:
        parts.append(f"region IN ({_list(seg.regions)})")
    if seg.films:
        parts.append(f"film_ref IN ({_list(seg.films)})")
    return "(" + " AND ".join(parts) + ")"


def _condition(seg: Segment, allowed: Sequence[CinemaInfo], today: date) -> str:
    """What makes an event count for this definition, as one boolean expression."""
    first = today - timedelta(days=seg.lookback_days - 1)
    return f"(event_date >= toDate({sql_str(first.isoformat())}) AND {event_condition(seg, allowed)})"


@dataclass(frozen=True)
class Target:
    """One segment key of the shared pass: a definition, or one category of a definition split per
    cinema category (categories come from the cinema registry, so these keys are known before any
    event is read)."""

    key: str
    seg: Segment
    cinemas: tuple[CinemaInfo, ...]


OWN_PASS = frozenset({"film", "region"})  # `per` values split on an event's string: one pass each


def shared_targets(segs: Sequence[Segment], cinemas: Sequence[CinemaInfo]) -> list[Target]:
    """The keys the shared pass computes: every definition whose `per` is not in OWN_PASS."""
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


FLAGS = 16  # distinct event conditions one shared pass can carry (the low 16 bits of a packed event)


def shared_passes(targets: Sequence[Target]) -> list[list[Target]]:
    """Targets grouped so that each pass has at most FLAGS distinct event conditions."""
    passes: list[list[Target]] = []
    seen: list[set[str]] = []
    for t in targets:
        cond = event_condition(t.seg, t.cinemas)
        for group, conds in zip(passes, seen, strict=True):
            if cond in conds or len(conds) < FLAGS:
                group.append(t)
                conds.add(cond)
                break
        else:
            passes.append([t])
            seen.append({cond})
    return passes


_EPOCH = date(1970, 1, 1)


def shared_members_sql(db: str, build_id: str, targets: Sequence[Target], today: date) -> str:
    """One INSERT ... SELECT for several segment keys. Each pooled event that counts for any of them is
    packed into one integer, `cinema << 32 | day << 16 | flags` (a flag per distinct event
    condition: event names, regions, films, the target's cinemas), and each visitor's packed events
    are gathered once (`groupArray`, a single aggregate state per visitor). Every key's rule is then
    read off that array: its flag, its look-back window (the day), its distinct cinemas and distinct
    cinema-days. Same members as `members_sql`, tested equal on both engines, at the cost of one scan
    and one grouping instead of one per definition."""
    conds = list(dict.fromkeys(event_condition(t.seg, t.cinemas) for t in targets))
    assert targets and len(conds) <= FLAGS
    flags = " + ".join(f"{1 << i} * {c}" for i, c in enumerate(conds))
    packed = f"toUInt64(cinema_id) * 4294967296 + toUInt64(toUInt16(event_date)) * 65536 + ({flags})"
    keys, arrays, oks = [], [], []
    for t in targets:
        bit = 1 << conds.index(event_condition(t.seg, t.cinemas))
        first = (today - timedelta(days=t.seg.lookback_days - 1) - _EPOCH).days
        chosen = f"arrayFilter(x -> bitAnd(x, {bit}) != 0 AND bitAnd(bitShiftRight(x, 16), 65535) >= {first}, packed)"
        member_cinemas = f"arraySort(arrayDistinct(arrayMap(x -> toUInt32(bitShiftRight(x, 32)), {chosen})))"
        ok = [f"length({member_cinemas}) >= {max(1, t.seg.min_cinemas)}"]
        if t.seg.min_visits > 1:  # distinct (cinema, day) pairs: the packed value without its flags
            ok.append(
                f"length(arrayDistinct(arrayMap(x -> bitShiftRight(x, 16), {chosen}))) >= {t.seg.min_visits}"
            )
        keys.append(sql_str(t.key))
        arrays.append(member_cinemas)
        oks.append("toUInt8(" + " AND ".join(ok) + ")")
    where = [*_pooled(db, today, max(t.seg.lookback_days for t in targets)), "(" + " OR ".join(conds) + ")"]
    return (
        f"INSERT INTO {db}.segment_members (built_on, build_id, segment_key, visitor, cinemas) "
        f"SELECT toDate({sql_str(today.isoformat())}), {sql_str(build_id)}, key, visitor, member_cinemas FROM ("
        f"SELECT visitor, [{', '.join(keys)}] AS keys, [{', '.join(arrays)}] AS arrays, "
        f"[{', '.join(oks)}] AS oks FROM ("
        f"SELECT visitor, groupArray({packed}) AS packed FROM {db}.events WHERE {' AND '.join(where)} "
        f"GROUP BY visitor)) "
        f"ARRAY JOIN keys AS key, arrays AS member_cinemas, oks AS ok WHERE ok = 1"
    )


def visitors_sql(db: str, build_id: str, today: date, lookback_days: int) -> str:
    """INSERT ... SELECT of every pooled visitor's consent as it stands at this build: the purposes of
    their latest pooled event, leaving out visitors who withdrew or were erased (`suppressions`)."""
    first = today - timedelta(days=lookback_days - 1)
    return (
        f"INSERT INTO {db}.segment_visitors (built_on, build_id, visitor, purposes, last_seen) "
        f"SELECT toDate({sql_str(today.isoformat())}), {sql_str(build_id)}, visitor, "
        f"argMax(consent_purposes, received_at), max(received_at) FROM {db}.events "
        f"WHERE track = 'pooled' AND event_date >= toDate({sql_str(first.isoformat())}) "
        f"AND visitor NOT IN (SELECT visitor FROM {db}.suppressions) "
        f"GROUP BY visitor"
    )


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
