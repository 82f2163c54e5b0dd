"""The SQL toolkit (warehouse/sql.py): what it writes, and that both engines (chdb 26.x and the
ClickHouse 18.16 server) read every value back as it was, however hostile the text."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artaud.warehouse.sql import (
    identifier,
    integer,
    quote,
    quote_list,
    string_array,
    to_date,
    to_datetime,
)

# fragments that have broken hand-written escaping somewhere: quotes, backslashes (alone, before a
# quote, before what would be an escape letter), NUL and control characters, comment and statement
# markers, LIKE wildcards, the `{db}` placeholder the backends once rewrote, multi-byte UTF-8
HOSTILE = st.sampled_from(
    [
        "'",
        "\\",
        "\\'",
        "''",
        "\\\\'",
        "\\n",
        "\\0",
        "\\x41",
        "\0",
        "\n",
        "\r",
        "\t",
        "\x1b",
        "\x7f",
        "--",
        "/*",
        "*/",
        ";",
        "`",
        '"',
        "%",
        "_",
        "{db}",
        "{x:String}",
        "\\N",
        "é",
        "\u2028",
        "🎬",
        "\ufeff",
    ]
)
TEXT = st.lists(st.one_of(HOSTILE, st.text(max_size=8)), max_size=12).map("".join)
ENGINE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def test_a_string_literal_escapes_backslashes_and_quotes_with_a_backslash_and_nothing_else():
    assert quote("") == "''"
    assert quote("l'été") == "'l\\'été'"
    assert quote("a\\b") == "'a\\\\b'"
    assert quote("\\'") == "'\\\\\\''"  # the backslash first, then the quote
    assert quote("a\0b\n") == "'a\0b\n'"  # read back as is by both engines (below)
    assert quote_list(["a", "b'"]) == "'a', 'b\\''"
    assert quote_list([]) == ""
    assert string_array(["x", "y"]) == "['x', 'y']" and string_array([]) == "[]"


@ENGINE
@given(values=st.lists(TEXT, min_size=1, max_size=5))
def test_hostile_strings_round_trip_through_the_engine(warehouse, values):
    [(back, hexes, found)] = warehouse.query(
        f"SELECT {string_array(values)}, arrayMap(x -> hex(x), {string_array(values)}), "
        f"{quote(values[-1])} IN ({quote_list(values)})"
    )
    assert list(back) == values
    assert list(hexes) == [v.encode().hex().upper() for v in values]  # byte for byte, in UTF-8
    assert int(found) == 1


@ENGINE
@given(value=TEXT)
def test_a_string_literal_is_one_value_whatever_follows_it(warehouse, value):
    """Nothing in the value ends the literal early: what follows it is still read as SQL."""
    [(length, after)] = warehouse.query(f"SELECT length({quote(value)}), 'after'")
    assert (int(length), after) == (len(value.encode()), "after")


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(-(2**63), 2**64 - 1))
def test_integers_round_trip_through_the_engine(warehouse, n):
    [(back,)] = warehouse.query(f"SELECT toString({integer(n)})")
    assert back == str(n)


def test_an_integer_literal_is_an_int_or_nothing():
    assert integer(42) == "42" and integer(-1) == "-1"
    assert integer(2.9) == "2"  # int() as before: truncated, not pasted
    with pytest.raises(ValueError):
        integer("1; DROP TABLE events")


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.dates(date(1970, 1, 1), date(2105, 12, 31)))
def test_dates_round_trip_through_the_engine(warehouse, day):
    assert to_date(day) == f"toDate('{day.isoformat()}')"
    [(back,)] = warehouse.query(f"SELECT toString({to_date(day)})")
    assert back == day.isoformat()


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=st.datetimes(datetime(1971, 1, 1), datetime(2105, 12, 31)))
def test_datetimes_round_trip_to_the_second_through_the_engine(warehouse, moment):
    """Text in, text out, in the engine's own time zone (the one it reads the text in)."""
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    assert to_datetime(moment) == f"toDateTime('{text}')"
    [(back,)] = warehouse.query(f"SELECT toString({to_datetime(moment)})")
    assert back == text


def test_a_datetime_is_not_a_date_and_an_aware_datetime_is_refused():
    with pytest.raises(TypeError):
        to_date(datetime(2026, 11, 24, 12))
    with pytest.raises(ValueError):
        to_datetime(datetime(2026, 11, 24, 12, tzinfo=UTC))


@pytest.mark.parametrize("name", ["events", "t_0a1b2c3d", "_x", "segment_work_b20261124180000000000ab12"])
def test_plain_names_pass_unchanged(name):
    assert identifier(name) == name


@pytest.mark.parametrize(
    "name", ["", "1db", "db.events", "db events", "db;DROP", "db`", "db\n", "db'", "été", "db-1", "{db}"]
)
def test_other_names_are_refused(name):
    with pytest.raises(ValueError):
        identifier(name)


def test_the_backends_take_a_plain_database_name_only(tmp_path):
    """Statements write `{database}.table` as is: the name is checked once, where it comes in."""
    from artaud.warehouse.backend import ChdbWarehouse, ServerWarehouse

    with pytest.raises(ValueError):
        ChdbWarehouse(tmp_path / "chdb", "x; DROP DATABASE y")
    with pytest.raises(ValueError):  # refused before any connection
        ServerWarehouse("127.0.0.1", 9, "events WHERE 1")
