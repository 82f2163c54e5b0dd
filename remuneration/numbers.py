"""Exact numbers: decimals read as fractions, their one canonical text, a reproducible square root.

Money must come out the same on every machine and every rerun, so nothing here touches a float: a
decimal written by a person is read exactly, and the square root the solidarity policy needs is an
integer square root at a fixed scale (no platform's libm, no decimal context to configure).
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import isqrt

# ASCII digits only (`\d` would take other scripts' digits). What a person types: up to 18 digits on
# each side of the point, far beyond any audience or rate. A recorded parameter read back (any exact
# number the API was given) may be longer, but stays under the digits int() accepts from text.
_TYPED_DIGITS = 18
_RECORDED_DIGITS = 4000
_DECIMAL = re.compile(r"(-?)([0-9]+)(?:[.,]([0-9]+))?")
_FRACTION = re.compile(r"(-?[0-9]+)/([0-9]+)")

# Solidarity policy v1: √a is floored to 30 decimals. Raising it would change cents on some inputs,
# so it belongs to the policy's version, not to a setting.
SQRT_DECIMALS = 30


def exact_decimal(text: str, max_digits: int = _TYPED_DIGITS) -> Fraction:
    """`12`, `12.5`, `-0.25` or the French `12,5` as an exact fraction; ValueError says why not."""
    m = _DECIMAL.fullmatch(text.strip())
    if m is None or len(m[2]) > max_digits or len(m[3] or "") > max_digits:
        raise ValueError(f"not a decimal number: {text.strip()[:40]!r}")
    sign, whole, decimals = m.groups()
    value = Fraction(int(whole + (decimals or "")), 10 ** len(decimals or ""))
    return -value if sign else value


def exact_number(text: str) -> Fraction:
    """A decimal, or a fraction `p/q`, as `fraction_text` writes them (a recorded parameter read back)."""
    m = _FRACTION.fullmatch(text.strip())
    if m is None:
        return exact_decimal(text, _RECORDED_DIGITS)
    if len(m[1]) > _RECORDED_DIGITS or len(m[2]) > _RECORDED_DIGITS:
        raise ValueError(f"not a fraction p/q: {text.strip()[:40]!r}")
    if int(m[2]) == 0:
        raise ValueError("a fraction with a zero denominator")
    return Fraction(int(m[1]), int(m[2]))


def fraction_text(x: Fraction) -> str:
    """The canonical text of an exact number: `3`, `12.5` when it is a finite decimal, else `1/3`.

    Used for parameters and for the hash of the inputs, so equal numbers always read the same.
    """
    if x.denominator == 1:
        return str(x.numerator)
    d, twos, fives = x.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        return f"{x.numerator}/{x.denominator}"
    places = max(twos, fives)
    digits = str(abs(x.numerator) * 10**places // x.denominator).rjust(places + 1, "0")
    sign = "-" if x < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def sqrt_floor(x: Fraction, decimals: int = SQRT_DECIMALS) -> Fraction:
    """√x rounded down to `decimals` decimal places, exactly, with integers only.

    Monotone in x (a larger contribution never gets a smaller root), identical on every machine.
    """
    if x < 0:
        raise ValueError("square root of a negative number")
    scale = 10**decimals
    return Fraction(isqrt(x.numerator * scale * scale // x.denominator), scale)
