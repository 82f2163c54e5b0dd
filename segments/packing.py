"""The packed event of a segment build (IO-free): one UInt64 per counted event of a visitor,

    cinema << 32 | day << 16 | flags

- cinema: the cinema id (32 bits);
- day: the event's Date as ClickHouse stores it, days since 1970-01-01 (16 bits: the whole range
  of a Date);
- flags: one bit per distinct event condition of the build's definitions (`visitor_table.Layout`).

Its upper 48 bits, `cinema << 16 | day`, are a cinema-day: what a definition's visits count.
Integers rather than tuples: cheaper to gather per event, to carry in arrays and to count distinct.

The layout is written here once: the SQL helpers emit its fragments (over an events row, or over a
packed event `x` in an array lambda), the Python functions pack the same integers; the two are
checked against each other on both engines (tests/segments/test_packing.py). The fragments are the
text the build ran with before they were named, so its SQL (and BENCHMARKS §4) is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

FLAGS = 16  # distinct event conditions one packed integer carries (its low 16 bits)
DAY_BITS = 16  # a ClickHouse Date is a UInt16 count of days
CINEMA_BITS = 32
EPOCH = date(1970, 1, 1)  # day 0 of a ClickHouse Date

_DAY_SHIFT = FLAGS  # of a packed event
_CINEMA_SHIFT = FLAGS + DAY_BITS  # of a packed event
_DAY_MASK = (1 << DAY_BITS) - 1
_FLAG_MASK = (1 << FLAGS) - 1


# -- Python: the same integers -----------------------------------------------------------------
def day_number(day: date) -> int:
    """The day as a ClickHouse Date stores it (`toUInt16(event_date)`)."""
    return (day - EPOCH).days


def flag_bit(i: int) -> int:
    """The flag of the i-th event condition of a packed array."""
    if not 0 <= i < FLAGS:
        raise ValueError(f"a packed event carries {FLAGS} flags, not a flag {i}")
    return 1 << i


def pack_cinema_day(cinema: int, day: date) -> int:
    n = day_number(day)
    if not 0 <= cinema < 1 << CINEMA_BITS or not 0 <= n <= _DAY_MASK:
        raise ValueError(f"cinema {cinema} or day {day} out of the packed range")
    return cinema << DAY_BITS | n


def pack(cinema: int, day: date, flags: int) -> int:
    if not 0 <= flags <= _FLAG_MASK:
        raise ValueError(f"flags {flags} do not fit in {FLAGS} bits")
    return pack_cinema_day(cinema, day) << FLAGS | flags


def unpack(x: int) -> tuple[int, date, int]:
    """(cinema, day, flags) of a packed event."""
    return x >> _CINEMA_SHIFT, EPOCH + timedelta(days=(x >> _DAY_SHIFT) & _DAY_MASK), x & _FLAG_MASK


# -- SQL over an events row --------------------------------------------------------------------
# the row's cinema-day, `cinema << 16 | day`
CINEMA_DAY = f"(toUInt64(cinema_id) * {1 << DAY_BITS} + toUInt16(event_date))"


def packed_event(conditions: Sequence[str]) -> str:
    """The row's packed event: flag i set where `conditions[i]` (a 0/1 SQL condition) holds."""
    flags = " + ".join(f"{flag_bit(i)} * {c}" for i, c in enumerate(conditions))
    return f"{CINEMA_DAY} * {1 << FLAGS} + ({flags})"


# -- SQL over a packed event `x` (an expression: a lambda's variable, `packed0[1]`) --------------
def cinema_of(x: str) -> str:
    return f"bitShiftRight({x}, {_CINEMA_SHIFT})"


def cinema_day_of(x: str) -> str:
    return f"bitShiftRight({x}, {_DAY_SHIFT})"


def day_of(x: str) -> str:
    """The day number, compared with `day_number` of a window's first day."""
    return f"bitAnd(bitShiftRight({x}, {_DAY_SHIFT}), {_DAY_MASK})"


def has_flag(x: str, bit: int) -> str:
    return f"bitAnd({x}, {bit}) != 0"


# -- SQL over a cinema-day `x` -----------------------------------------------------------------
def cinema_of_cinema_day(x: str) -> str:
    return f"bitShiftRight({x}, {DAY_BITS})"


def distinct_cinemas(array: str, cinema: Callable[[str], str]) -> str:
    """The distinct cinemas, in order, of an array of packed events (`cinema_of`) or of
    cinema-days (`cinema_of_cinema_day`), as the UInt32 ids of a member's `cinemas`."""
    return f"arraySort(arrayDistinct(arrayMap(x -> toUInt32({cinema('x')}), {array})))"
