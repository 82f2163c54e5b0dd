"""Privacy guards (IO-free): k, m cinemas with a meaningful share, dominance, additions, overlaps,
(the published sizes: test_release.py)."""

from __future__ import annotations

import pytest

from artaud.segments.guards import (
    GuardPolicy,
    SegmentStats,
    additions,
    overlap,
    refusals,
    threshold,
)


def stats(members, contributions):
    return SegmentStats("s", members, contributions)


def test_a_large_spread_segment_passes():
    assert refusals(stats(300, {c: 100.0 for c in range(1, 4)}), GuardPolicy()) == []


def test_below_k_with_a_clear_message():
    [reason] = refusals(stats(99, {1: 33, 2: 33, 3: 33}), GuardPolicy())
    assert str(reason) == "below_k: 99 members, fewer than k = 100" and reason.code == "below_k"


def test_a_destination_minimum_is_a_floor_under_k():
    assert threshold(GuardPolicy(k=100), 1000) == 1000
    assert threshold(GuardPolicy(k=100), 25) == 100
    assert str(
        refusals(stats(300, {1: 100, 2: 100, 3: 100}), GuardPolicy(), destination_minimum=1000)[0]
    ).startswith("below_k: 300 members, fewer than k = 1000")


def test_too_few_cinemas():
    assert [str(r) for r in refusals(stats(500, {1: 250, 2: 250}), GuardPolicy(max_cinema_share=1))] == [
        "too_few_cinemas: from 2 cinema(s), fewer than m = 3"
    ]


def test_one_person_does_not_make_a_cinema_count():
    """Cinemas holding 50, 49 and 1 members: beyond the two largest, 1 % is left; the third cinema
    does not make the segment one of three cinemas. A segment spread thin over many cinemas is."""
    [reason] = refusals(stats(100, {1: 50, 2: 49, 3: 1}), GuardPolicy(k=100))
    assert str(reason) == (
        "too_few_cinemas: beyond its 2 largest cinemas, the others hold 1.0% of the segment, less than 10%"
    )
    assert refusals(stats(100, {1: 45, 2: 35, 3: 20}), GuardPolicy(k=100)) == []
    assert refusals(stats(500, {c: 10.0 for c in range(50)}), GuardPolicy(k=100)) == []


def test_dominated():
    assert [str(r) for r in refusals(stats(500, {1: 400, 2: 50, 3: 50}), GuardPolicy())] == [
        "dominated: cinema 1 contributes 80% of the segment, more than 50%"
    ]


def test_additions_are_judged_on_their_own():
    p = GuardPolicy(k=100)
    assert additions(150, False, p) is None  # a first export
    assert additions(0, True, p) is None  # nothing new
    assert additions(120, True, p) is None
    refusal = additions(4, True, p)
    assert refusal is not None and refusal.code == "differencing"
    assert str(refusal) == "differencing: 4 member(s) new to this partner, fewer than k = 100"


def test_two_lists_of_one_partner_overlap_by_none_or_at_least_k():
    p = GuardPolicy(k=100)
    assert overlap(500, 400, 0, p) is None  # disjoint
    assert overlap(500, 500, 500, p) is None  # the same people
    assert overlap(500, 400, 300, p) is None
    for new, other, shared in ((500, 400, 1), (500, 500, 499), (101, 400, 100)):
        refusal = overlap(new, other, shared, p)
        assert refusal is not None and refusal.code == "overlap", (new, other, shared)


@pytest.mark.parametrize(
    "bad", [{"k": 1}, {"min_cinemas": 0}, {"max_cinema_share": 0}, {"epsilon": 0}, {"min_cinema_share": 1}]
)
def test_policies_are_validated(bad):
    with pytest.raises(ValueError):
        GuardPolicy(**bad)
