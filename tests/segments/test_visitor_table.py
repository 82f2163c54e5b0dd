"""The build's visitor table and the passes over it (IO-free): where each condition sits, what each
statement reads. That they find exactly the plain rule's members is tested on both engines in
test_builder.py."""

from __future__ import annotations

from datetime import date

from artaud.segments.definitions import Segment
from artaud.segments.rules import FLAGS, VISITOR_KEY, event_condition
from artaud.segments.visitor_table import (
    collisions_sql,
    layout,
    shared_pass_sqls,
    split_pass_sqls,
    table_sql,
    values_table_sql,
    visitors_sql,
)
from tests.segments.helpers import CINEMAS

DAY = date(2026, 11, 24)
ONE = "arrayAll(x -> bitShiftRight(x, 32) = bitShiftRight(packed0[1], 32), packed0)"  # one cinema
NAMES = ["page_view", "view_item", "select_item", "add_to_cart", "begin_checkout", "purchase"]


def test_conditions_fill_packed_arrays_of_FLAGS_and_equal_conditions_share_a_flag():
    defs = [  # 6 x 4 = 24 distinct conditions, each defined twice (two windows)
        Segment(
            f"d{i}-{w}", 1, "D", lookback_days=w, events=(NAMES[i % 6],), cinema_categories=("ABCD"[i // 6],)
        )
        for i in range(24)
        for w in (7, 30)
    ] + [Segment("film", 1, "Film", per="film", events=("view_item",))]
    lay = layout(defs, CINEMAS)
    assert [len(w) for w in lay.words] == [FLAGS, 24 + 1 - FLAGS]
    for t in lay.targets:  # both windows of a condition on the same flag
        twin = next(
            u for u in lay.targets if u.key.rsplit("-", 1)[0] == t.key.rsplit("-", 1)[0] and u is not t
        )
        assert lay.flag(event_condition(t.seg, t.cinemas)) == lay.flag(
            event_condition(twin.seg, twin.cinemas)
        )
    [split] = lay.splits
    assert lay.flag(split.condition) == (1, 1 << 8) and split.dim == "film_ref"
    assert [w for w, _ in lay.passes()] == [0, 1] and sum(len(p) for _, p in lay.passes()) == 48
    assert lay.dims(0) == [] and lay.dims_column(1, "film_ref") == "dims1_0"


def test_the_table_groups_by_the_128_bit_key_once_and_packs_each_array_under_its_conditions():
    defs = [
        Segment("tous", 1, "Tous", lookback_days=30),
        Segment("film", 1, "Film", per="film"),
        Segment("region", 1, "Région", per="region"),
    ]
    lay = layout(defs, CINEMAS)
    sql = table_sql("w", "db", lay, DAY, 90)
    assert sql.startswith("CREATE TEMPORARY TABLE w ENGINE = Memory AS SELECT any(visitor) AS member")
    assert sql.count("GROUP BY") == 1 and sql.endswith(f"GROUP BY {VISITOR_KEY}")
    assert VISITOR_KEY == "sipHash128(visitor)"  # 128 bits, like the pseudonyms (32 hex digits)
    assert "event_date >= toDate('2026-08-27')" in sql  # the longest window
    assert "visitor NOT IN (SELECT visitor FROM db.suppressions)" in sql
    assert sql.count("groupArrayIf(") == 3  # one packed array, the film and region hashes beside it
    assert "groupArrayIf(cityHash64(film_ref)," in sql and "AS dims0_1" in sql  # film_ref < region
    assert "is_bot = 0 AND event_date <= toDate('2026-11-24')" in sql  # counted: no bots, up to today
    assert "argMax(consent_purposes, received_at) AS purposes" in sql  # consent: every pooled event
    assert "FROM w" in visitors_sql("w", "db", "b1", DAY)
    values = values_table_sql("v", "db", lay, DAY, 90)
    assert values.startswith("CREATE TEMPORARY TABLE v ENGINE = Memory AS SELECT")
    assert (
        "arrayMap(v -> ('film_ref', v), groupUniqArray(film_ref))" in values
        and "groupUniqArray(region)" in values
    )
    assert "FROM v GROUP BY dim, h HAVING count() > 1" in collisions_sql("v")


def test_a_key_is_read_off_its_flag_and_window_and_one_cinema_visitors_skip_the_cinema_counts():
    defs = [
        Segment("a", 1, "A", lookback_days=30),
        Segment("b", 1, "B", lookback_days=90, min_visits=3),
        Segment("c", 1, "C", lookback_days=90, min_cinemas=2),
    ]
    lay = layout(defs, CINEMAS)
    [(w, targets)] = lay.passes()
    single, multi = shared_pass_sqls("w", "db", "b1", lay, w, targets, DAY)
    first_a = (date(2026, 10, 26) - date(1970, 1, 1)).days
    first_b = (date(2026, 8, 27) - date(1970, 1, 1)).days
    assert (
        f"arrayExists(x -> bitAnd(x, 1) != 0 AND bitAnd(bitShiftRight(x, 16), 65535) >= {first_a}, packed0)"
        in single
    )
    assert f">= {first_b}" in single and ">= 3" in single  # visits still counted for one cinema
    assert "'c'" not in single and f"WHERE notEmpty(packed0) AND {ONE}" in single  # 2 cinemas: never at 1
    assert "[toUInt32(bitShiftRight(packed0[1], 32))] AS cinemas" in single
    assert "'a', 'b', 'c'" in multi and f"WHERE NOT {ONE}" in multi and ">= 2" in multi
    [only_two] = shared_pass_sqls(
        "w", "db", "b1", layout(defs[2:], CINEMAS), 0, layout(defs[2:], CINEMAS).targets, DAY
    )
    assert f"WHERE NOT {ONE}" in only_two  # no one-cinema statement: none can have two cinemas


def test_a_split_finds_each_value_by_its_hash_and_counts_visits_in_the_general_statement():
    film = Segment("film", 1, "Film", per="film")
    lay = layout([film], CINEMAS)
    fast, general = split_pass_sqls("w", "v", "db", "b1", lay, lay.splits[0], DAY)
    for sql in (fast, general):  # a hash not in the values table: no row
        assert sql.endswith(
            "AS m ALL INNER JOIN (SELECT h, value FROM v WHERE dim = 'film_ref') AS v USING h"
        )
        assert "concat('film/', value)" in sql
    assert f"WHERE notEmpty(packed0) AND {ONE}" in fast and f"WHERE NOT {ONE}" in general
    strict = Segment("film", 1, "Film", per="film", min_visits=2)
    lay = layout([strict], CINEMAS)
    [every] = split_pass_sqls("w", "v", "db", "b1", lay, lay.splits[0], DAY)
    assert "arrayAll" not in every and "length(arrayDistinct(chosen)) >= 2" in every
    two = Segment("film", 1, "Film", per="film", min_visits=2, min_cinemas=2)
    lay = layout([two], CINEMAS)
    [others] = split_pass_sqls("w", "v", "db", "b1", lay, lay.splits[0], DAY)
    assert f"WHERE NOT {ONE}" in others and ">= 2" in others  # two cinemas: never a one-cinema visitor
