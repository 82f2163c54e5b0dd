"""The packed event (segments/packing.py): the SQL fragments and the Python packing agree, on both
engines (chdb 26.x and the ClickHouse 18.16 server), and the fragments are the text the build's SQL
was benchmarked with."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artaud.segments.packing import (
    CINEMA_DAY,
    EPOCH,
    FLAGS,
    cinema_day_of,
    cinema_of,
    cinema_of_cinema_day,
    day_number,
    day_of,
    distinct_cinemas,
    flag_bit,
    has_flag,
    pack,
    pack_cinema_day,
    packed_event,
    unpack,
)
from artaud.warehouse.sql import integer, to_date

CINEMA = st.integers(0, 2**32 - 1)
DAY = st.dates(EPOCH, date(2105, 12, 31))  # the 18.16 server's Date ends in 2105
FLAG_SET = st.integers(0, 2**FLAGS - 1)
EVENT = st.tuples(CINEMA, DAY, FLAG_SET)
ENGINE = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def test_the_fragments_are_the_text_the_build_ran_with():
    assert CINEMA_DAY == "(toUInt64(cinema_id) * 65536 + toUInt16(event_date))"
    assert packed_event(["a", "b"]) == f"{CINEMA_DAY} * 65536 + (1 * a + 2 * b)"
    assert cinema_of("x") == "bitShiftRight(x, 32)"
    assert cinema_day_of("x") == "bitShiftRight(x, 16)"
    assert day_of("x") == "bitAnd(bitShiftRight(x, 16), 65535)"
    assert has_flag("x", 4) == "bitAnd(x, 4) != 0"
    assert cinema_of_cinema_day("x") == "bitShiftRight(x, 16)"
    assert distinct_cinemas("p", cinema_of) == (
        "arraySort(arrayDistinct(arrayMap(x -> toUInt32(bitShiftRight(x, 32)), p)))"
    )


@given(event=EVENT)
def test_python_packing_round_trips_and_its_upper_bits_are_the_cinema_day(event):
    cinema, day, flags = event
    x = pack(cinema, day, flags)
    assert 0 <= x < 2**64 and unpack(x) == event
    assert x >> FLAGS == pack_cinema_day(cinema, day)
    assert all((x & flag_bit(i) != 0) == bool(flags >> i & 1) for i in range(FLAGS))


@given(a=EVENT, b=EVENT)
def test_packed_events_sort_by_cinema_then_day_then_flags(a, b):
    assert (pack(*a) < pack(*b)) == (a < b)


def test_what_does_not_fit_is_refused():
    with pytest.raises(ValueError):
        pack(2**32, EPOCH, 0)
    with pytest.raises(ValueError):
        pack(1, date(1969, 12, 31), 0)
    with pytest.raises(ValueError):
        pack(1, date(2149, 6, 7), 0)  # day 65536
    with pytest.raises(ValueError):
        pack(1, EPOCH, 2**FLAGS)
    with pytest.raises(ValueError):
        flag_bit(FLAGS)


@ENGINE
@given(events=st.lists(EVENT, min_size=1, max_size=8))
def test_the_engine_packs_an_events_row_as_python_does(warehouse, events):
    """`packed_event` over a row (flag i set where condition i holds) and `CINEMA_DAY`."""
    rows = []
    for cinema, day, flags in events:
        conditions = [f"toUInt8({flags >> i & 1} = 1)" for i in range(FLAGS)]
        rows.append(
            f"SELECT {packed_event(conditions)} AS p, {CINEMA_DAY} AS cd FROM "
            f"(SELECT toUInt32({integer(cinema)}) AS cinema_id, {to_date(day)} AS event_date)"
        )
    got = warehouse.query(f"SELECT toString(p), toString(cd) FROM ({' UNION ALL '.join(rows)})")
    assert sorted(got) == sorted((str(pack(*e)), str(pack_cinema_day(*e[:2]))) for e in events)


@ENGINE
@given(event=EVENT, bit=st.integers(0, FLAGS - 1))
def test_the_engine_reads_the_fields_of_a_python_packed_event(warehouse, event, bit):
    cinema, day, flags = event
    [row] = warehouse.query(
        f"SELECT toString({cinema_of('x')}), toString({day_of('x')}), toString({cinema_day_of('x')}), "
        f"toString({cinema_of_cinema_day(cinema_day_of('x'))}), {has_flag('x', flag_bit(bit))} "
        f"FROM (SELECT toUInt64({integer(pack(*event))}) AS x)"
    )
    assert row[:4] == (str(cinema), str(day_number(day)), str(pack_cinema_day(cinema, day)), str(cinema))
    assert int(row[4]) == flags >> bit & 1


@ENGINE
@given(events=st.lists(EVENT, max_size=10))
def test_the_engine_finds_the_distinct_cinemas_of_packed_events_and_of_cinema_days(warehouse, events):
    values = ", ".join(integer(pack(*e)) for e in events)
    packed = f"arrayMap(v -> toUInt64(v), [{values}])" if events else "emptyArrayUInt64()"
    cinema_days = f"arrayMap(x -> {cinema_day_of('x')}, {packed})"
    [(of_events, of_days)] = warehouse.query(
        f"SELECT {distinct_cinemas(packed, cinema_of)}, {distinct_cinemas(cinema_days, cinema_of_cinema_day)}"
    )
    expected = sorted({e[0] for e in events})
    assert [int(c) for c in of_events] == expected and [int(c) for c in of_days] == expected
