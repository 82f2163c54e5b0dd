"""Cents: the fee rounded half-up, the pot apportioned by largest remainder, euros written in French."""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from artaud.remuneration.money import apportion, euros_fr, fee_cents


@pytest.mark.parametrize(
    ("payment", "rate", "fee"),
    [
        (1234567, Fraction(1, 10), 123457),  # 123 456,7 cents
        (5, Fraction(1, 10), 1),  # 0,5 cent: half-up, not to even
        (25, Fraction(1, 10), 3),  # 2,5 cents: half-up gives 3 (banker's rounding would give 2)
        (24, Fraction(1, 10), 2),
        (1000, Fraction(0), 0),
        (0, Fraction(1, 10), 0),
        (10001, Fraction(55, 1000), 550),  # 5,5 % of 100,01 € = 550,055 cents
    ],
)
def test_the_fee_is_rounded_half_up_to_the_cent(payment: int, rate: Fraction, fee: int) -> None:
    assert fee_cents(payment, rate) == fee


def test_largest_remainders_get_the_cents_left_ties_to_the_smallest_cnc_number() -> None:
    # 10,6 + 20,3 + 69,1 = 100: floors give 99, the cent left goes to the largest remainder (0,6)
    shares = {"0000003": Fraction(106, 10), "0000001": Fraction(203, 10), "0000002": Fraction(691, 10)}
    assert apportion(100, shares) == {"0000001": 20, "0000002": 69, "0000003": 11}
    # three equal thirds of a euro: the cent left goes to the smallest CNC number
    thirds = {cnc: Fraction(100, 3) for cnc in ("0750012", "0120033", "0350026")}
    assert apportion(100, thirds) == {"0120033": 34, "0350026": 33, "0750012": 33}
    assert list(apportion(100, thirds)) == ["0120033", "0350026", "0750012"]  # CNC order


def test_shares_that_do_not_sum_to_the_pot_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not to the pot"):
        apportion(100, {"0000001": Fraction(99)})
    with pytest.raises(ValueError, match="negative"):
        apportion(0, {"0000001": Fraction(-1), "0000002": Fraction(1)})


@st.composite
def exact_shares(draw: st.DrawFn) -> tuple[int, dict[str, Fraction]]:
    weights = draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
    if sum(weights) == 0:
        weights[0] = 1
    pot = draw(st.integers(0, 10**9))
    return pot, {f"{i:07d}": Fraction(pot * w, sum(weights)) for i, w in enumerate(weights)}


@given(exact_shares())
def test_amounts_sum_to_the_pot_and_each_is_its_share_floored_or_ceiled(
    case: tuple[int, dict[str, Fraction]],
) -> None:
    pot, shares = case
    amounts = apportion(pot, shares)
    assert sum(amounts.values()) == pot
    for key, share in shares.items():
        assert amounts[key] in (floor(share), ceil(share))


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (123456, "1 234,56 €"),
        (1111110, "11 111,10 €"),
        (5, "0,05 €"),
        (0, "0,00 €"),
        (100000000, "1 000 000,00 €"),
        (-150, "-1,50 €"),
    ],
)
def test_euros_the_french_way(cents: int, text: str) -> None:
    assert euros_fr(cents) == text
