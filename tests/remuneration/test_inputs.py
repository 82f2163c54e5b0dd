"""A participating cinema is validated once: its CNC number, category, contribution and days."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from artaud.remuneration.errors import InvalidContributions, Undistributable
from artaud.remuneration.inputs import Participant, check_participants


def test_a_participant_is_normalised_like_the_control_plane_stores_cinemas() -> None:
    p = Participant(" 750012 ", "b", 12)  # type: ignore[arg-type]
    assert (p.cinema, p.category, p.contribution, p.days) == ("0750012", "B", Fraction(12), None)
    assert isinstance(p.contribution, Fraction)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cinema": "12AB"}, "cinema"),
        ({"cinema": "12345678"}, "cinema"),
        ({"cinema": ""}, "cinema"),
        ({"category": "F"}, "category"),
        ({"category": ""}, "category"),
        ({"contribution": Fraction(-1, 2)}, "contribution"),
        ({"contribution": 0.5}, "contribution"),  # a float is already rounded
        ({"contribution": Decimal("0.5")}, "contribution"),
        ({"contribution": True}, "contribution"),
        ({"days": -1}, "days"),
        ({"days": 1.5}, "days"),
    ],
)
def test_each_wrong_field_is_named(kwargs: dict[str, object], field: str) -> None:
    fields: dict[str, object] = {"cinema": "0750012", "category": "A", "contribution": Fraction(1)} | kwargs
    with pytest.raises(InvalidContributions) as caught:
        Participant(**fields)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.message.startswith(f"{field}: ")


def test_the_list_is_put_in_cnc_order_each_cinema_once_and_never_empty() -> None:
    a, b = Participant("120033", "E", Fraction(1)), Participant("0750012", "A", Fraction(2))
    assert check_participants([b, a]) == (a, b)
    assert check_participants(iter([b, a])) == (a, b)  # any iterable, read once
    with pytest.raises(InvalidContributions, match="cinema: 0750012 appears twice"):
        check_participants([b, a, Participant("750012", "B", Fraction(3))])
    with pytest.raises(Undistributable, match="no cinema"):
        check_participants([])
