"""Cinemas for the remuneration tests, written the way the tests reason about them."""

from __future__ import annotations

from fractions import Fraction

from artaud.remuneration.inputs import Participant


def cinemas(*contributions: int | str, categories: str = "", days: tuple[int, ...] = ()) -> list[Participant]:
    """Cinemas 0000001, 0000002, … with these contributions (text read as an exact number), category A
    unless `categories` spells them, and days when given."""
    return [
        Participant(
            f"{i + 1:07d}",
            categories[i] if categories else "A",
            Fraction(a),
            days[i] if days else None,
        )
        for i, a in enumerate(contributions)
    ]
