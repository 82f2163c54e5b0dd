"""Each cinema's part from the delivered lists, IO-free: 1/k per person seen at k cinemas."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from artaud.remuneration.attribution import Member, participants, participation_days, shares

START, END = date(2026, 4, 1), date(2026, 4, 30)


def test_shares_sum_n_over_k_exactly() -> None:
    # cinema 1: 3 people seen only there, 2 seen at two cinemas; cinema 2: those 2, and 1 seen at three
    counts = [(1, 1, 3), (1, 2, 2), (2, 2, 2), (2, 3, 1)]
    assert shares(counts) == {1: Fraction(4), 2: Fraction(4, 3)}
    with pytest.raises(ValueError):
        shares([(1, 0, 1)])


@given(st.lists(st.lists(st.integers(1, 6), min_size=1, max_size=6, unique=True), max_size=60))
def test_every_person_counts_one_in_all(people: list[list[int]]) -> None:
    """Whatever cinemas the people were seen at, the contributions add up to the number of people."""
    counts: dict[tuple[int, int], int] = {}
    for seen in people:
        for c in seen:
            counts[(c, len(seen))] = counts.get((c, len(seen)), 0) + 1
    got = shares((c, k, n) for (c, k), n in counts.items())
    assert sum(got.values(), Fraction(0)) == len(people)


def test_days_run_from_joining_to_the_flights_end_for_active_cinemas() -> None:
    assert participation_days(Member(1, "0000001", "A", date(2025, 1, 1), True), START, END) == 30
    assert participation_days(Member(1, "0000001", "A", date(2026, 4, 21), True), START, END) == 10
    assert participation_days(Member(1, "0000001", "A", date(2026, 5, 2), True), START, END) == 0
    assert participation_days(Member(1, "0000001", "A", date(2025, 1, 1), False), START, END) == 0


def test_participants_are_those_who_brought_someone_or_took_part() -> None:
    members = [
        Member(1, "0000010", "A", date(2025, 1, 1), True),
        Member(2, "0000002", "C", date(2026, 6, 1), True),  # joined after the flight, brought no one
        Member(3, "0000003", "E", date(2025, 1, 1), False),  # suspended: its visitors still count
        Member(4, "0000004", "B", date(2026, 4, 16), True),  # took part half the flight, brought no one
    ]
    got = participants({1: Fraction(5, 2), 3: Fraction(1)}, members, START, END)
    assert [(p.cinema, p.category, p.contribution, p.days) for p in got] == [
        ("0000003", "E", Fraction(1), 0),
        ("0000004", "B", Fraction(0), 15),
        ("0000010", "A", Fraction(5, 2), 30),
    ]
    with pytest.raises(KeyError, match=r"\[9\]"):
        participants({9: Fraction(1)}, members, START, END)
