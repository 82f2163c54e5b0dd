"""The board's preview: options read and checked, the French table with its bars, the JSON."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.errors import InvalidInput
from artaud.remuneration.errors import InvalidContributions, InvalidPayment, InvalidPolicy
from artaud.remuneration.policies import Mutualist, ProRata, ProRataBounded, Solidarity
from artaud.remuneration.preview import bar, number_fr, policy_from_options, preview

CSV = b"cinema,category,contribution\n0750012,A,300\n0120033,E,100\n"


def test_each_policy_from_its_options() -> None:
    assert policy_from_options("pro_rata") == ProRata()
    assert policy_from_options("pro_rata_bounded", floor_cents="100", cap_cents=" 900 ") == ProRataBounded(
        100, 900
    )
    assert policy_from_options("pro_rata_bounded", cap_cents="900") == ProRataBounded(0, 900)
    assert policy_from_options("mutualist", alpha="0.3") == Mutualist(alpha=Fraction(3, 10))
    k = {
        "A": Fraction(1),
        "B": Fraction(1),
        "C": Fraction(11, 10),
        "D": Fraction(6, 5),
        "E": Fraction(13, 10),
    }
    assert policy_from_options("solidarity", coefficients="A=1,B=1,c=1.1, D=1.2,E=1.3") == Solidarity(
        coefficients=k
    )


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        (
            "equal",
            {},
            "--policy: unknown policy 'equal' (one of pro_rata, pro_rata_bounded, mutualist, solidarity)",
        ),
        ("pro_rata", {"alpha": "0.5"}, "--alpha applies to --policy mutualist only, not to pro_rata"),
        ("mutualist", {"cap_cents": "5"}, "--cap-cents applies to --policy pro_rata_bounded only"),
        ("mutualist", {}, "--policy mutualist needs --alpha"),
        ("mutualist", {"alpha": "1.5"}, "alpha: between 0 and 1, got 1.5"),
        ("mutualist", {"alpha": "0,5x"}, "--alpha: not a decimal number: '0,5x'"),
        ("pro_rata_bounded", {"floor_cents": "-5"}, "--floor-cents: a whole number of cents ≥ 0"),
        ("pro_rata_bounded", {"cap_cents": "12.5"}, "--cap-cents: a whole number of cents ≥ 0"),
        (
            "pro_rata_bounded",
            {"floor_cents": "10", "cap_cents": "5"},
            "the cap (5 cents) is below the floor (10 cents)",
        ),
        ("solidarity", {}, "--policy solidarity needs --coefficients"),
        (
            "solidarity",
            {"coefficients": "A=1,B=1,C=1,1,D=1,E=1"},
            "--coefficients: '1' is not CATEGORY=NUMBER",
        ),
        ("solidarity", {"coefficients": "A=1,B=1,C=1,D=1"}, "coefficients: missing E"),
        ("solidarity", {"coefficients": "A=1,B=1,C=1,D=1,E=1,F=2"}, "coefficients: unknown category 'F'"),
        ("solidarity", {"coefficients": "A=1,A=2,B=1,C=1,D=1,E=1"}, "--coefficients: A is given twice"),
        ("solidarity", {"coefficients": "A=1,B=1,C=0,D=1,E=1"}, "coefficients: C must be above 0, got 0"),
        ("solidarity", {"coefficients": "A=1,B=1,C=-1,D=1,E=1"}, "coefficients: C must be above 0, got -1"),
        (
            "solidarity",
            {"coefficients": "A=1,B=x,C=1,D=1,E=1"},
            "--coefficients: B: not a decimal number: 'x'",
        ),
    ],
)
def test_a_wrong_option_is_named(name: str, options: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        policy_from_options(name, **options)
    assert caught.value.message.startswith(message), caught.value.message


@pytest.mark.parametrize(
    ("payment", "rate", "message"),
    [
        ("-100", "0.1", "--payment-cents: a whole number of cents ≥ 0 (12 345,67 € is 1234567), got '-100'"),
        ("12,50", "0.1", "--payment-cents: a whole number of cents"),
        ("100", "1", "--fee-rate: from 0 up to but not including 1 (10 % is 0.1), got 1"),
        ("100", "10", "--fee-rate: from 0 up to but not including 1"),
        ("100", "-0.1", "--fee-rate: from 0 up to but not including 1"),
        ("100", "10%", "--fee-rate: not a decimal number: '10%'"),
    ],
)
def test_a_wrong_payment_or_fee_rate_is_named(payment: str, rate: str, message: str) -> None:
    with pytest.raises(InvalidPayment) as caught:
        preview(CSV, payment_cents=payment, fee_rate=rate, policy=ProRata())
    assert caught.value.message.startswith(message), caught.value.message


def test_a_file_error_names_the_file_line_and_field() -> None:
    bad = b"cinema,category,contribution\n0750012,A,300\n0120033,E,-1\n"
    with pytest.raises(InvalidContributions, match=r"^apports\.csv:3: contribution: must not be negative$"):
        preview(bad, payment_cents="100", fee_rate="0", policy=ProRata(), source="apports.csv")
    with pytest.raises(InvalidContributions, match=r"^apports\.csv:2: not UTF-8 text$"):
        preview(
            b"cinema,category,contribution\n1,A,\xe9\n",
            payment_cents="1",
            fee_rate="0",
            policy=ProRata(),
            source="apports.csv",
        )


def test_the_json_has_the_pot_the_policy_and_the_amounts() -> None:
    out = json.loads(preview(CSV, payment_cents="100000", fee_rate="0.1", policy=ProRata(), as_json=True))
    assert (out["pot_cents"], out["policy"], out["amounts"]) == (
        90000,
        "pro_rata",
        {"0120033": 22500, "0750012": 67500},
    )
    assert (out["fee_cents"], out["policy_version"], out["params"]) == (10000, 1, {})
    assert len(out["inputs_sha256"]) == 64


def test_the_french_table() -> None:
    out = preview(CSV, payment_cents="123456789", fee_rate="0.055", policy=ProRata())
    lines = out.splitlines()
    assert lines[0] == "Politique : pro_rata v1 (au prorata des contributions)"
    assert "Paiement du distributeur      1 234 567,89 €" in lines
    assert "Commission SCARE (5,5 %)         67 901,23 €" in lines  # 6 790 123,395 cents, half-up
    assert "À répartir entre les cinémas  1 166 666,66 €" in lines
    body = [line for line in lines if line[:7].isdigit()]
    assert body == [
        # 29 166 666,5 and 87 499 999,5 cents: the one cent left goes to the smaller CNC number
        "0120033  E              100    291 666,67 €    25,0 %  ██████████",
        "0750012  A              300    874 999,99 €    75,0 %  ██████████████████████████████",
    ]
    assert "Total                   400  1 166 666,66 €   100,0 %" in lines
    assert lines[-1].startswith("Empreinte des entrées (SHA-256) : ") and len(lines[-1].split()[-1]) == 64
    assert "Jours" not in out  # no days column in a file without days


def test_the_table_describes_each_policys_parameters_in_french() -> None:
    def first_line(policy_options: dict[str, str], name: str) -> str:
        return preview(
            CSV, payment_cents="100000", fee_rate="0", policy=policy_from_options(name, **policy_options)
        ).splitlines()[0]

    assert first_line({"floor_cents": "5000", "cap_cents": "123456"}, "pro_rata_bounded").endswith(
        "(plancher 50,00 €, plafond 1 234,56 €)"
    )
    assert first_line({"floor_cents": "5000"}, "pro_rata_bounded").endswith(
        "(plancher 50,00 €, sans plafond)"
    )
    assert first_line({"alpha": "0.25"}, "mutualist").endswith(
        "(α = 0,25 : 25 % selon les jours de participation, 75 % au prorata des contributions)"
    )
    assert first_line({"coefficients": "A=1,B=1,C=1.1,D=1.2,E=1.3"}, "solidarity").endswith(
        "(coefficients A = 1, B = 1, C = 1,1, D = 1,2, E = 1,3)"
    )


def test_bars_in_eighths_and_numbers_the_french_way() -> None:
    assert bar(100, 100) == "█" * 30
    assert bar(0, 100) == ""
    assert bar(1, 240) == "▏"  # 1/240 of 30 characters is one eighth
    assert bar(50, 100) == "█" * 15
    assert bar(0, 0) == ""  # a zero pot: no bars
    assert number_fr(Fraction(84211, 20)) == "4 210,55"
    assert number_fr(Fraction(1234567)) == "1 234 567"
    assert number_fr(Fraction(-1, 4)) == "-0,25"
    assert number_fr(Fraction(1, 3)) == "1/3"


def test_a_zero_pot_previews_zero_everywhere() -> None:
    out = preview(CSV, payment_cents="0", fee_rate="0.1", policy=ProRata())
    assert "0120033  E              100  0,00 €         –\n" in out  # no percentage of nothing, no bar


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: ("cinema,category,contribution\n" + t).encode()),
    ),
    st.one_of(st.just("100000"), st.text(max_size=12)),
    st.one_of(st.just("0.1"), st.text(max_size=12)),
)
def test_any_file_and_options_preview_or_raise_invalid_input(data: bytes, payment: str, rate: str) -> None:
    try:
        preview(data, payment_cents=payment, fee_rate=rate, policy=ProRata())
    except InvalidInput as exc:
        assert exc.message
