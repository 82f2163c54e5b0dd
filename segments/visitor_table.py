"""A build's one grouping of the pooled events by visitor, and every pass that reads it (IO-free SQL).

A build scans the events and groups them by visitor **once**, into a temporary in-memory table of
the build's connection (`table_sql`): per pooled visitor, their consent as it stands and their
counted events packed in integers, `cinema << 32 | day << 16 | flags` (`segments/packing.py`), one
flag per distinct event condition of the definitions (`Layout`), with the 64-bit hash of each
event's film or region beside it where a definition is split per film or region. The consent
snapshot and every segment are then read off that table: the events are grouped by visitor once
rather than once per pass.

Each segment pass is split in two: a visitor whose packed events are all at one cinema (most of
them: first-party ids are per cinema) is a member as soon as one event meets the key's flag and
window (and its visit count, if any), their cinemas that one; the others go through the
general rule (distinct cinemas and cinema-days of the chosen events). Both give exactly the members
of `rules.members_sql`, tested on both engines.

The table holds pseudonyms and consent purposes, the same data as `segment_visitors`; it lives in
ClickHouse's memory, in the build's session only, and is dropped at the end of the build (and with
the session if the builder dies).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from artaud.segments.definitions import Segment
from artaud.segments.packing import (
    FLAGS,
    cinema_day_of,
    cinema_of,
    cinema_of_cinema_day,
    day_number,
    day_of,
    distinct_cinemas,
    flag_bit,
    has_flag,
    packed_event,
)
from artaud.segments.rules import (
    OWN_PASS,
    VISITOR_KEY,
    CinemaInfo,
    Target,
    dimension,
    event_condition,
    participating,
    shared_targets,
)
from artaud.warehouse.sql import integer, quote, string_array, to_date


@dataclass(frozen=True)
class Split:
    """A definition split per film or region: the values come from its own dimension's hashes."""

    seg: Segment
    cinemas: tuple[CinemaInfo, ...]
    dim: str  # SQL of the value (`film_ref`, `region`)

    @property
    def condition(self) -> str:
        return f"({event_condition(self.seg, self.cinemas)} AND {self.dim} != '')"


@dataclass(frozen=True)
class Layout:
    """Where each definition's events sit in the visitor table: `words[w]` lists the distinct event
    conditions of packed array `packed{w}` (flag 1 << i for the i-th), at most FLAGS per array.
    `targets` are read off their flag (`shared_pass_sqls`), `splits` off their flag and the hash
    array of their dimension (`split_pass_sqls`)."""

    words: tuple[tuple[str, ...], ...]
    targets: tuple[Target, ...]
    splits: tuple[Split, ...]

    def flag(self, condition: str) -> tuple[int, int]:
        """(array index, flag) of an event condition."""
        for w, conds in enumerate(self.words):
            if condition in conds:
                return w, flag_bit(conds.index(condition))
        raise KeyError(condition)

    def dims(self, w: int) -> list[str]:
        """The dimensions whose hashes ride beside packed array `w`, in a fixed order."""
        return sorted({s.dim for s in self.splits if self.flag(s.condition)[0] == w})

    def dims_column(self, w: int, dim: str) -> str:
        return f"dims{w}_{self.dims(w).index(dim)}"

    def passes(self) -> list[tuple[int, list[Target]]]:
        """The shared passes: each packed array's targets, in definition order."""
        out: list[tuple[int, list[Target]]] = []
        for w in range(len(self.words)):
            group = [t for t in self.targets if self.flag(event_condition(t.seg, t.cinemas))[0] == w]
            if group:
                out.append((w, group))
        return out


def layout(segs: Sequence[Segment], cinemas: Sequence[CinemaInfo]) -> Layout:
    targets = shared_targets(segs, cinemas)
    splits = []
    for seg in segs:
        if seg.per in OWN_PASS:
            allowed = tuple(participating(seg, cinemas))
            splits.append(Split(seg, allowed, dimension(seg, allowed)))
    conds = [event_condition(t.seg, t.cinemas) for t in targets] + [s.condition for s in splits]
    words: list[list[str]] = []
    for cond in dict.fromkeys(conds):
        for word in words:
            if len(word) < FLAGS:
                word.append(cond)
                break
        else:
            words.append([cond])
    return Layout(tuple(tuple(w) for w in words), tuple(targets), tuple(splits))


def table_sql(
    table: str,
    db: str,
    lay: Layout,
    today: date,
    lookback_days: int,
    linked: bool = False,
    credible_days: int = 2,
) -> str:
    """CREATE TEMPORARY TABLE of every pooled visitor seen in the last `lookback_days` (the longest
    window), leaving out withdrawn and erased visitors: the consent of their latest pooled event,
    and their counted events (no bots, up to today) in packed arrays. `linked`: during a pooled-key
    rotation, a person's events under an older key version are grouped with their newest
    pseudonym's (`visitor_links`), so that they count once."""
    counted = f"is_bot = 0 AND event_date <= {to_date(today)}"
    source, person, key = f"{db}.events", "visitor", VISITOR_KEY
    if linked:
        newest = (  # (in two steps: an alias named visitor would shadow the column in any(visitor))
            f"SELECT old AS visitor, newest FROM (SELECT linked AS old, any(visitor) AS newest "
            f"FROM {db}.visitor_links GROUP BY linked)"
        )
        source = f"{db}.events ANY LEFT JOIN ({newest}) AS links USING visitor"
        person = "if(newest != '', newest, visitor)"
        key = f"sipHash128({person})"
    cols = [
        f"any({person}) AS member",
        "argMax(consent_purposes, received_at) AS purposes",
        "max(received_at) AS last_seen",
        # credible: seen on `credible_days` days at least (a crafted identifier posted once is not)
        f"toUInt8(uniqExactIf(event_date, {counted}) >= {integer(credible_days)}) AS credible",
    ]
    for w, conds in enumerate(lay.words):
        when = f"{counted} AND ({' OR '.join(conds)})"
        cols.append(f"groupArrayIf({packed_event(conds)}, {when}) AS packed{w}")
        for dim in lay.dims(w):
            cols.append(f"groupArrayIf(cityHash64({dim}), {when}) AS {lay.dims_column(w, dim)}")
    first = today - timedelta(days=lookback_days - 1)
    where = [
        "track = 'pooled'",
        f"event_date >= {to_date(first)}",
        f"visitor NOT IN (SELECT visitor FROM {db}.suppressions)",
    ]
    return (
        f"CREATE TEMPORARY TABLE {table} ENGINE = Memory AS SELECT {', '.join(cols)} "
        f"FROM {source} WHERE {' AND '.join(where)} GROUP BY {key}"
    )


def visitors_sql(table: str, db: str, build_id: str, today: date) -> str:
    """Every pooled visitor's consent as it stands at this build, into `segment_visitors`."""
    return (
        f"INSERT INTO {db}.segment_visitors (built_on, build_id, visitor, purposes, last_seen, credible) "
        f"SELECT {to_date(today)}, {quote(build_id)}, member, purposes, last_seen, credible FROM {table}"
    )


def values_table_sql(table: str, db: str, lay: Layout, today: date, lookback_days: int) -> str:
    """CREATE TEMPORARY TABLE of every value of the split dimensions seen on the pooled track in the
    window, beside its hash: (dim, h, value), read in one scan. The split passes join their hashes
    to it to write the segment keys (a join rather than literal arrays in each statement: the values
    may be thousands, and a query's size is bounded)."""
    first = today - timedelta(days=lookback_days - 1)
    per_dim = [f"arrayMap(v -> ({quote(dim)}, v), groupUniqArray({dim}))" for dim in dimensions(lay)]
    return (
        f"CREATE TEMPORARY TABLE {table} ENGINE = Memory AS SELECT tupleElement(d, 1) AS dim, "
        "cityHash64(tupleElement(d, 2)) AS h, tupleElement(d, 2) AS value FROM ("
        f"SELECT arrayConcat({', '.join(per_dim)}) AS found FROM {db}.events WHERE track = 'pooled' "
        f"AND event_date >= {to_date(first)} AND event_date <= {to_date(today)}) "
        "ARRAY JOIN found AS d WHERE value != ''"
    )


def collisions_sql(table: str) -> str:
    """Values of one dimension sharing a hash (the split passes could not tell them apart)."""
    return f"SELECT dim, groupArray(value) FROM {table} GROUP BY dim, h HAVING count() > 1 LIMIT 1"


def dimensions(lay: Layout) -> list[str]:
    return sorted({s.dim for s in lay.splits})


def _window(flag: int, seg: Segment, today: date) -> str:
    """SQL over a packed event `x`: it carries `flag` and falls in the segment's window."""
    first = day_number(today - timedelta(days=seg.lookback_days - 1))
    return f"{has_flag('x', flag)} AND {day_of('x')} >= {first}"


def _one_cinema(packed: str) -> str:
    """SQL: every event of a packed array is at the cinema of its first (true for an empty array)."""
    return f"arrayAll(x -> {cinema_of('x')} = {cinema_of(f'{packed}[1]')}, {packed})"


def _first_cinema(packed: str) -> str:
    return f"[toUInt32({cinema_of(f'{packed}[1]')})]"


def _insert(db: str, build_id: str, today: date) -> str:
    return (
        f"INSERT INTO {db}.segment_members (built_on, build_id, segment_key, visitor, cinemas, credible) "
        f"SELECT {to_date(today)}, {quote(build_id)}, "
    )


def shared_pass_sqls(
    table: str, db: str, build_id: str, lay: Layout, w: int, targets: Sequence[Target], today: date
) -> list[str]:
    """The members of `targets` (all on packed array `w`): one statement for the visitors seen at one
    cinema, one for the others (a key needing two cinemas has no member of the former). A visitor
    keeps, of the keys, those whose rule they meet; the ARRAY JOIN then writes one row per key kept."""
    packed = f"packed{w}"
    single_keys, single_oks, keys, arrays, oks = [], [], [], [], []
    for t in targets:
        flag = lay.flag(event_condition(t.seg, t.cinemas))[1]
        win = _window(flag, t.seg, today)
        chosen = f"arrayFilter(x -> {win}, {packed})"
        visits = f"length(arrayDistinct(arrayMap(x -> {cinema_day_of('x')}, {chosen}))) >= {t.seg.min_visits}"
        if t.seg.min_cinemas <= 1:  # one cinema: a member as soon as an event counts
            single_keys.append(t.key)
            single_oks.append(
                f"toUInt8({visits})" if t.seg.min_visits > 1 else f"arrayExists(x -> {win}, {packed})"
            )
        member_cinemas = distinct_cinemas(chosen, cinema_of)
        ok = [f"length({member_cinemas}) >= {max(1, t.seg.min_cinemas)}"]
        if t.seg.min_visits > 1:
            ok.append(visits)
        keys.append(t.key)
        arrays.append(member_cinemas)
        oks.append("toUInt8(" + " AND ".join(ok) + ")")
    out = []
    if single_keys:
        out.append(
            _insert(db, build_id, today) + "key, member, cinemas, credible FROM ("
            f"SELECT member, credible, {_first_cinema(packed)} AS cinemas, {string_array(single_keys)} AS keys, "
            f"[{', '.join(single_oks)}] AS oks FROM {table} WHERE notEmpty({packed}) AND {_one_cinema(packed)}) "
            "ARRAY JOIN arrayFilter((k, ok) -> ok = 1, keys, oks) AS key"
        )
    out.append(
        _insert(db, build_id, today) + "key, member, member_cinemas, credible FROM ("
        f"SELECT member, credible, {string_array(keys)} AS keys, [{', '.join(arrays)}] AS arrays, "
        f"[{', '.join(oks)}] AS oks FROM {table} WHERE NOT {_one_cinema(packed)}) "
        "ARRAY JOIN arrayFilter((k, ok) -> ok = 1, keys, oks) AS key, "
        "arrayFilter((a, ok) -> ok = 1, arrays, oks) AS member_cinemas"
    )
    return out


def split_pass_sqls(
    table: str, values: str, db: str, build_id: str, lay: Layout, split: Split, today: date
) -> list[str]:
    """The members of a definition split per film or region: one row per visitor and distinct value
    of the events meeting its flag and window, the value found by its hash in the `values` table (a
    hash not found there, whose events were erased since the table was made, gives no row).
    Visitors seen at one cinema get that cinema without looking at cinema-days, unless the rule
    counts visits; a rule needing two cinemas reads only the others."""
    seg = split.seg
    w, flag = lay.flag(split.condition)
    packed, hashes = f"packed{w}", lay.dims_column(w, split.dim)
    win = _window(flag, seg, today)
    met = f"arrayDistinct(arrayFilter((h, x) -> {win}, {hashes}, {packed}))"
    head = (
        _insert(db, build_id, today)
        + f"concat({quote(seg.id + '/')}, value), member, cinemas, credible FROM ("
    )
    join = (
        f") AS m ALL INNER JOIN (SELECT h, value FROM {values} WHERE dim = {quote(split.dim)}) AS v USING h"
    )
    fast = seg.min_cinemas <= 1 and seg.min_visits <= 1
    others_only = fast or seg.min_cinemas > 1  # one-cinema visitors: taken above, or never members
    out = []
    if fast:
        out.append(
            head + f"SELECT member, credible, cinemas, h FROM ("
            f"SELECT member, credible, {_first_cinema(packed)} AS cinemas, {hashes}, {packed} FROM {table} "
            f"WHERE notEmpty({packed}) AND {_one_cinema(packed)}) ARRAY JOIN {met} AS h" + join
        )
    ok = [f"length(cinemas) >= {max(1, seg.min_cinemas)}"]
    if seg.min_visits > 1:  # distinct (cinema, day) pairs
        ok.append(f"length(arrayDistinct(chosen)) >= {seg.min_visits}")
    out.append(
        head + "SELECT member, credible, cinemas, h FROM ("
        f"SELECT member, credible, h, "
        f"arrayMap(x -> {cinema_day_of('x')}, arrayFilter((x, g) -> g = h AND {win}, {packed}, {hashes})) AS chosen, "
        f"{distinct_cinemas('chosen', cinema_of_cinema_day)} AS cinemas FROM ("
        f"SELECT member, credible, {hashes}, {packed} FROM {table}{f' WHERE NOT {_one_cinema(packed)}' if others_only else ''}) "
        f"ARRAY JOIN {met} AS h) WHERE {' AND '.join(ok)}" + join
    )
    return out
