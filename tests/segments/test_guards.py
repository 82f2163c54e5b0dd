"""Privacy guards (IO-free): k, m cinemas, dominance, differencing, Laplace noise."""

from __future__ import annotations

import random
import statistics

import pytest

from segments.guards import (
    GuardPolicy,
    SegmentStats,
    differencing,
    laplace_noise,
    noisy_count,
    refusals,
    threshold,
)


def stats(members, contributions):
    return SegmentStats("s", members, contributions)


def test_a_large_spread_segment_passes():
    assert refusals(stats(300, {c: 100.0 for c in range(1, 4)}), GuardPolicy()) == []


def test_below_k_with_a_clear_message():
    [reason] = refusals(stats(99, {1: 33, 2: 33, 3: 33}), GuardPolicy())
    assert reason == "below_k: 99 members, fewer than k = 100"


def test_a_destination_minimum_is_a_floor_under_k():
    assert threshold(GuardPolicy(k=100), 1000) == 1000
    assert threshold(GuardPolicy(k=100), 25) == 100
    assert refusals(stats(300, {1: 100, 2: 100, 3: 100}), GuardPolicy(), destination_minimum=1000)[
        0
    ].startswith("below_k: 300 members, fewer than k = 1000")


def test_too_few_cinemas():
    assert refusals(stats(500, {1: 250, 2: 250}), GuardPolicy(max_cinema_share=1)) == [
        "too_few_cinemas: from 2 cinema(s), fewer than m = 3"
    ]


def test_dominated():
    assert refusals(stats(500, {1: 400, 2: 50, 3: 50}), GuardPolicy()) == [
        "dominated: cinema 1 contributes 80% of the segment, more than 50%"
    ]


def test_differencing():
    p = GuardPolicy(k=100)
    assert differencing(0, 150, 0, p) == ""  # a first export
    assert differencing(500, 0, 0, p) == ""  # the same membership again
    assert differencing(500, 120, 30, p) == ""
    assert differencing(500, 3, 1, p) == (
        "differencing: 4 member(s) differ from the previous export to this partner, fewer than k = 100"
    )


@pytest.mark.parametrize("bad", [{"k": 1}, {"min_cinemas": 0}, {"max_cinema_share": 0}, {"epsilon": 0}])
def test_policies_are_validated(bad):
    with pytest.raises(ValueError):
        GuardPolicy(**bad)


def test_laplace_noise_has_the_documented_scale():
    rng = random.Random(1)
    draws = [laplace_noise(0.5, rng) for _ in range(40_000)]
    assert abs(statistics.mean(draws)) < 0.1
    # Laplace(0, b): mean absolute deviation b = 1/epsilon = 2
    assert abs(statistics.mean(abs(d) for d in draws) - 2) < 0.1
    within3 = sum(abs(laplace_noise(1.0, rng)) <= 3 for _ in range(40_000)) / 40_000
    assert abs(within3 - 0.95) < 0.01


def test_noisy_counts_are_never_negative():
    rng = random.Random(2)
    assert min(noisy_count(0, GuardPolicy(epsilon=0.1), rng) for _ in range(1000)) == 0
