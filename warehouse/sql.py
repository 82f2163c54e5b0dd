"""Values and names written into ClickHouse SQL text (IO-free: no driver, no connection).

Every value a statement carries goes through here, so that escaping is decided in one place. The
statements are text rather than parameterised queries because one text must run on both engines:
the ClickHouse 18.16 server has no query parameters (`{name:Type}` is a syntax error there), and
clickhouse-driver's own substitution is client-side text escaping anyway.

The output is exactly what the query builders wrote by hand before (the segment build's SQL, and
so its benchmark, is unchanged): e.g. `to_date(d)` is `toDate('2026-11-24')`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def quote(value: str) -> str:
    """A string literal. Inside quotes ClickHouse reads a backslash as an escape, so backslashes and
    quotes are escaped with one; every other character (NUL, newlines, any Unicode) stands as itself
    in UTF-8, which both engines read back unchanged (tests/warehouse/test_sql.py)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quote_list(values: Iterable[str]) -> str:
    """String literals separated by commas, for `IN (...)`; "" when there are none (the caller
    decides what an empty list means: `IN ()` is a syntax error on 18.16)."""
    return ", ".join(quote(v) for v in values)


def string_array(values: Iterable[str]) -> str:
    """An array literal of strings: `['a', 'b']`."""
    return f"[{quote_list(values)}]"


def integer(value: int) -> str:
    """An integer literal. `int()` first, as the hand-written `{int(limit)}` did: a value that is
    not an integer at run time (a float, a numeric string) is converted or refused, never pasted."""
    return str(int(value))


def to_date(day: date) -> str:
    """A Date: `toDate('YYYY-MM-DD')`."""
    if isinstance(day, datetime):  # a datetime is a date too; its time would not parse as a Date
        raise TypeError("to_date takes a date, not a datetime")
    return f"toDate({quote(day.isoformat())})"


def to_datetime(moment: datetime) -> str:
    """A DateTime to the second: `toDateTime('YYYY-MM-DD hh:mm:ss')`. ClickHouse reads the text in
    the server's time zone, so the caller converts first and passes a naive datetime (an aware
    one is refused rather than silently read in another zone)."""
    if moment.tzinfo is not None:
        raise ValueError("to_datetime takes a naive datetime, already in the warehouse's time zone")
    return f"toDateTime({quote(moment.strftime('%Y-%m-%d %H:%M:%S'))})"


def identifier(name: str) -> str:
    """A database, table or column name, checked and returned unquoted: letters, digits and
    underscores, not starting with a digit. Such a name needs no quoting on either engine, and
    the statements stay as they were written; anything else is refused."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain SQL name: {name!r}")
    return name
