"""A campaign's fields checked without IO: every problem at once, exact rates, the collector's film
reference, and nothing but InvalidCampaign on any text."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from artaud.collector.films import film_ref
from artaud.remuneration.campaigns import Campaign, InvalidCampaign, approver, make_campaign

GOOD: dict[str, str] = {
    "id": "2026-04-ete-dernier",
    "distributor": "Pyramide Distribution",
    "siren": "732 829 320",
    "film_title": "L'Été dernier",
    "director": "Catherine Breillat",
    "partner": "agence-x",
    "start": "2026-04-01",
    "end": "2026-04-30",
    "payment_cents": "1234567",
    "vat_rate": "0.20",
    "fee_rate": "0,1",
}


def test_a_good_campaign_is_kept_exact_and_unapproved() -> None:
    c = make_campaign(**GOOD, visa="161616", invoice=" FA-2026-042 ")
    assert c.siren == "732829320"  # spaces dropped: stored compact
    assert c.film_ref == film_ref("L'Été dernier", "Catherine Breillat") == "l-ete-dernier~catherine-breillat"
    assert (c.vat_rate, c.fee_rate) == (Fraction(1, 5), Fraction(1, 10))
    assert (c.start, c.end, c.payment_cents) == (date(2026, 4, 1), date(2026, 4, 30), 1234567)
    assert (c.visa, c.invoice) == ("161616", "FA-2026-042")
    assert not c.approved and c.approved_by is None and c.approved_at is None


def test_optional_fields_default_to_none_and_a_given_film_ref_is_kept() -> None:
    c = make_campaign(**{**GOOD, "director": ""}, film_ref="l-ete-dernier")
    assert (c.visa, c.invoice, c.director, c.film_ref) == (None, None, "", "l-ete-dernier")
    assert make_campaign(**{**GOOD, "director": ""}).film_ref == "l-ete-dernier"


def test_every_problem_is_reported_at_once_by_field() -> None:
    with pytest.raises(InvalidCampaign) as caught:
        make_campaign(
            id="Bad Id",
            distributor="  ",
            siren="732 829 321",  # Luhn fails
            film_title="",
            visa="12a",
            partner="Agence X",
            start="2026-05-01",
            end="2026-04-01",
            payment_cents="12.5",
            vat_rate="0.2e1",
            fee_rate="1",
            invoice="x" * 65,
        )
    problems = caught.value.problems
    assert set(problems) == {
        "id", "distributor", "siren", "film_title", "visa", "partner", "end", "payment_cents",
        "vat_rate", "fee_rate", "invoice",
    }  # fmt: skip
    assert problems["distributor"] == "required"
    assert "before it starts" in problems["end"]
    assert caught.value.code == "invalid_campaign" and caught.value.status == 400
    assert "siren: not a valid SIREN" in caught.value.message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment_cents", "-1"),
        ("payment_cents", "01"),
        ("vat_rate", "-0.1"),
        ("vat_rate", "1.0"),
        ("fee_rate", "0.1.2"),
        ("start", "2026-4-1"),
        ("siren", "73282932"),
        ("film_ref", "L-Ete"),
    ],
)
def test_one_wrong_field(field: str, value: str) -> None:
    with pytest.raises(InvalidCampaign) as caught:
        make_campaign(**{**GOOD, field: value})
    assert list(caught.value.problems) == [field]


def test_rates_are_never_floats_and_bounds_are_half_open() -> None:
    assert make_campaign(**{**GOOD, "vat_rate": "0", "fee_rate": "0.999"}).fee_rate == Fraction(999, 1000)
    assert make_campaign(**{**GOOD, "vat_rate": Fraction(11, 200)}).vat_rate == Fraction(11, 200)
    assert make_campaign(**{**GOOD, "payment_cents": 0}).payment_cents == 0
    with pytest.raises(InvalidCampaign):
        make_campaign(**{**GOOD, "payment_cents": True})  # type: ignore[arg-type]


def test_a_title_without_letters_needs_a_film_ref() -> None:
    with pytest.raises(InvalidCampaign) as caught:
        make_campaign(**{**GOOD, "film_title": "!!!", "director": ""})
    assert list(caught.value.problems) == ["film_ref"]
    assert make_campaign(**{**GOOD, "film_title": "!!!"}, film_ref="x").film_ref == "x"


def test_approver_is_required() -> None:
    assert approver("  Marie   Curie ") == "Marie Curie"
    with pytest.raises(InvalidCampaign):
        approver(" ")


_TEXT = st.text(max_size=30) | st.sampled_from(["", "0", "0.2", "2026-04-01", "a-b", *GOOD.values()])


@given(values=st.fixed_dictionaries({k: _TEXT for k in GOOD}), extra=st.fixed_dictionaries(
    {"visa": _TEXT, "film_ref": _TEXT, "invoice": _TEXT}
))  # fmt: skip
def test_any_text_gives_a_campaign_or_invalid_campaign(values: dict[str, str], extra: dict[str, str]) -> None:
    try:
        c = make_campaign(**values, **extra)
    except InvalidCampaign as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems.values())
    else:
        assert isinstance(c, Campaign) and c.start <= c.end and 0 <= c.fee_rate < 1
        assert len(c.siren) == 9 and c.siren.isdigit()
