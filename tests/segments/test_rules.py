"""The shared pass's plan (IO-free): which keys it computes and how they are split into passes."""

from __future__ import annotations

from datetime import date

import pytest

from segments.definitions import Segment
from segments.rules import (
    FLAGS,
    VISITOR_KEY,
    event_condition,
    own_pass_sql,
    shared_members_sql,
    shared_passes,
    shared_targets,
    split_members_sql,
    visitors_sql,
)
from tests.segments.helpers import CINEMAS


def test_targets_expand_categories_and_leave_films_and_regions_to_their_own_passes():
    defs = [
        Segment("tous", 1, "Tous"),
        Segment("cat", 1, "Catégorie", per="category"),
        Segment("film", 1, "Film", per="film"),
        Segment("region", 1, "Région", per="region"),
        Segment("rd-cat", 1, "RD par catégorie", per="category", cinema_labels=("RD",)),
    ]
    targets = shared_targets(defs, CINEMAS)
    assert [t.key for t in targets] == [
        "tous",
        *(f"cat/{c}" for c in "ABCDE"),
        "rd-cat/A",
        "rd-cat/C",
        "rd-cat/D",  # cinema 10 (E, RD) is suspended: no rd-cat/E
    ]
    by_key = {t.key: t for t in targets}
    assert [c.id for c in by_key["cat/E"].cinemas] == [9]
    assert [c.id for c in by_key["tous"].cinemas] == list(range(1, 10))


def test_passes_carry_at_most_FLAGS_distinct_conditions_and_share_equal_ones():
    names = ["page_view", "view_item", "select_item", "add_to_cart", "begin_checkout", "purchase"]
    defs = [  # 6 x 4 = 24 distinct conditions, each defined twice (two windows)
        Segment(
            f"d{i}-{w}", 1, "D", lookback_days=w, events=(names[i % 6],), cinema_categories=("ABCD"[i // 6],)
        )
        for i in range(24)
        for w in (7, 30)
    ]
    passes = shared_passes(shared_targets(defs, CINEMAS))
    conds = [{event_condition(t.seg, t.cinemas) for t in p} for p in passes]
    assert [len(c) for c in conds] == [FLAGS, 24 - FLAGS]
    assert sum(len(p) for p in passes) == 48
    for p in passes:  # both windows of a condition ride in the same pass, on the same flag
        ids = {t.key.rsplit("-", 1)[0] for t in p}
        assert all(f"{i}-7" in {t.key for t in p} and f"{i}-30" in {t.key for t in p} for i in ids)
    with pytest.raises(AssertionError):
        shared_members_sql("db", "b", [t for p in passes for t in p], date(2026, 11, 24))


def test_the_sql_reads_each_key_off_its_flag_and_window():
    defs = [Segment("a", 1, "A", lookback_days=30), Segment("b", 1, "B", lookback_days=90, min_visits=3)]
    sql = shared_members_sql("db", "b1", shared_targets(defs, CINEMAS), date(2026, 11, 24))
    first_a = (date(2026, 10, 26) - date(1970, 1, 1)).days
    first_b = (date(2026, 8, 27) - date(1970, 1, 1)).days
    assert f"bitAnd(x, 1) != 0 AND bitAnd(bitShiftRight(x, 16), 65535) >= {first_a}" in sql
    assert f"bitAnd(x, 1) != 0 AND bitAnd(bitShiftRight(x, 16), 65535) >= {first_b}" in sql
    assert "event_date >= toDate('2026-08-27')" in sql  # the pass reads the longest window
    assert sql.count("groupArray(") == 1 and ">= 3" in sql


def test_films_are_split_after_grouping_by_visitor_and_regions_keep_the_plain_grouping():
    day = date(2026, 11, 24)
    film = own_pass_sql("db", "b1", Segment("film", 1, "Film", per="film"), CINEMAS, day)
    region = own_pass_sql("db", "b1", Segment("region", 1, "Région", per="region"), CINEMAS, day)
    assert f"GROUP BY {VISITOR_KEY})" in film and "ARRAY JOIN arrayDistinct(dims) AS value" in film
    assert "GROUP BY dim, visitor" in region and VISITOR_KEY not in region
    with pytest.raises(AssertionError):
        split_members_sql("db", "b1", Segment("cat", 1, "Catégorie", per="category"), CINEMAS, day)


def test_every_grouping_by_visitor_uses_the_128_bit_key_and_names_the_pseudonym_once():
    day = date(2026, 11, 24)
    shared = shared_members_sql("db", "b1", shared_targets([Segment("tous", 1, "Tous")], CINEMAS), day)
    for sql in (shared, visitors_sql("db", "b1", day, 90)):
        assert f"GROUP BY {VISITOR_KEY}" in sql and "any(visitor)" in sql
    assert VISITOR_KEY == "sipHash128(visitor)"  # 128 bits, like the pseudonyms (32 hex digits)
