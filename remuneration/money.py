"""Money in integer cents: the SCARE's fee, the apportionment of a pot, the French way to write euros."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from math import floor


def fee_cents(payment_cents: int, rate: Fraction) -> int:
    """payment × rate rounded half-up to the cent (both are non-negative, so half-up is floor(x + ½))."""
    return floor(payment_cents * rate + Fraction(1, 2))


def apportion(pot_cents: int, shares: Mapping[str, Fraction]) -> dict[str, int]:
    """Whole cents from exact shares that sum to the pot: floor each share, then hand out the cents
    left one by one to the largest remainders, ties to the smallest key.

    The keys are 7-digit CNC numbers, so their string order is their numeric order. A share that is
    already a whole number of cents never receives an extra cent (the k cents left come from
    remainders summing to k, each below 1, so more than k shares have one), hence a floor or a cap in
    whole cents that an exact share respects, its amount respects too. Returned in key order.
    """
    if sum(shares.values(), Fraction(0)) != pot_cents:
        raise ValueError(f"shares sum to {sum(shares.values(), Fraction(0))}, not to the pot {pot_cents}")
    if any(s < 0 for s in shares.values()):
        raise ValueError("a share is negative")
    amounts = {key: floor(s) for key, s in sorted(shares.items())}
    left = pot_cents - sum(amounts.values())
    by_remainder = sorted(amounts, key=lambda key: (-(shares[key] - amounts[key]), key))
    for key in by_remainder[:left]:
        amounts[key] += 1
    return amounts


def euros_fr(cents: int) -> str:
    """`1 234,56 €`: a space between thousands, a decimal comma, a space before the sign."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", " ") + f",{rest:02d} €"
