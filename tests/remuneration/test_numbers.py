"""Exact numbers: decimals read exactly, one canonical text per number, a reproducible square root."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from artaud.remuneration.numbers import exact_decimal, exact_number, fraction_text, sqrt_floor


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", Fraction(12)),
        ("12.5", Fraction(25, 2)),
        ("12,5", Fraction(25, 2)),  # a French spreadsheet's decimal comma
        (" -0.25 ", Fraction(-1, 4)),
        ("0.1", Fraction(1, 10)),  # exactly a tenth, which no float is
        ("007", Fraction(7)),
    ],
)
def test_a_decimal_is_read_exactly(text: str, value: Fraction) -> None:
    assert exact_decimal(text) == value


@pytest.mark.parametrize(
    "text", ["", "1e3", "nan", "inf", "1.2.3", "1 000", ".5", "5.", "+1", "٣", "1" * 19, "0x10", "1/3"]
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        exact_decimal(text)


def test_a_recorded_fraction_is_read_back_but_not_a_zero_denominator() -> None:
    assert exact_number("1/3") == Fraction(1, 3)
    assert exact_number("-2/6") == Fraction(-1, 3)
    assert exact_number("0.3") == Fraction(3, 10)
    for bad in ("1/0", "1/", "/3", "1/-3", "a/b", "1/3/4"):
        with pytest.raises(ValueError):
            exact_number(bad)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(3), "3"),
        (Fraction(25, 2), "12.5"),
        (Fraction(1, 8), "0.125"),
        (Fraction(1, 20), "0.05"),
        (Fraction(-1, 4), "-0.25"),
        (Fraction(1, 3), "1/3"),
        (Fraction(7, 6), "7/6"),
        (Fraction(0), "0"),
    ],
)
def test_the_canonical_text(value: Fraction, text: str) -> None:
    assert fraction_text(value) == text


@given(st.fractions())
def test_the_canonical_text_reads_back_as_the_same_number(x: Fraction) -> None:
    assert exact_number(fraction_text(x)) == x


def test_the_square_root_is_exact_on_squares_and_floored_to_30_decimals_otherwise() -> None:
    assert sqrt_floor(Fraction(4)) == 2
    assert sqrt_floor(Fraction(9, 4)) == Fraction(3, 2)
    assert sqrt_floor(Fraction(0)) == 0
    # √2 = 1.414213562373095048801688724209|698…
    assert sqrt_floor(Fraction(2)) == Fraction(1414213562373095048801688724209, 10**30)
    with pytest.raises(ValueError):
        sqrt_floor(Fraction(-1))


@given(st.fractions(min_value=0, max_value=10**9), st.fractions(min_value=0, max_value=10**9))
def test_the_square_root_is_within_its_last_decimal_and_monotone(x: Fraction, y: Fraction) -> None:
    r, step = sqrt_floor(x), Fraction(1, 10**30)
    assert r * r <= x < (r + step) * (r + step)
    if x <= y:
        assert sqrt_floor(x) <= sqrt_floor(y)
