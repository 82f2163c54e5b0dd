"""The contributions file: what it accepts, each error with its line and field, and a fuzz."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.errors import InvalidInput
from artaud.remuneration.contributions import parse_contributions
from artaud.remuneration.errors import InvalidContributions
from artaud.remuneration.inputs import Participant


def test_a_file_with_days() -> None:
    text = "cinema,category,contribution,days\n0750012,A,4210.5,30\n120033,e,212.5,14\n"
    assert parse_contributions(text) == [
        Participant("0750012", "A", Fraction(8421, 2), 30),
        Participant("0120033", "E", Fraction(425, 2), 14),
    ]


def test_any_column_order_header_case_bom_crlf_and_blank_lines() -> None:
    text = "\ufeffContribution , CINEMA,Category\r\n\r\n1,0750012,A\r\n,,\r\n0.5,0120033,B\r\n"
    assert parse_contributions(text) == [
        Participant("0750012", "A", Fraction(1)),
        Participant("0120033", "B", Fraction(1, 2)),
    ]


def test_a_french_spreadsheet_export_with_semicolons_and_decimal_commas() -> None:
    text = 'cinema;category;contribution\n0750012;A;4210,5\n0120033;E;"212,25"\n'
    assert [p.contribution for p in parse_contributions(text)] == [Fraction(8421, 2), Fraction(849, 4)]


def test_a_header_alone_is_no_cinema() -> None:
    assert parse_contributions("cinema,category,contribution\n") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: empty file: expected the header cinema,category,contribution[,days]"),
        ("\n  \n", "line 1: empty file"),
        ("cinema,category\n1,A\n", "line 1: missing column(s) contribution"),
        ("cinema,category,contribution,dayz\n", "line 1: unknown column 'dayz'"),
        ("cinema,category,contribution,cinema\n", "line 1: column 'cinema' appears twice"),
        (
            "cinema,category,contribution\n1,A,1\n2,B\n",
            "line 3: 2 field(s), expected 3 (cinema,category,contribution)",
        ),
        ("cinema,category,contribution\n1,A,1,9\n", "line 2: 4 field(s), expected 3"),
        ("cinema,category,contribution\n1,A,-3\n", "line 2, contribution: must not be negative"),
        ("cinema,category,contribution\n1,A,douze\n", "line 2, contribution: not a decimal number: 'douze'"),
        ("cinema,category,contribution\n1,A,1/3\n", "line 2, contribution: not a decimal number: '1/3'"),
        ("cinema,category,contribution\n1,A,\n", "line 2, contribution: not a decimal number: ''"),
        ("cinema,category,contribution\n1,F,1\n", "line 2, category: must be one of A, B, C, D, E, got 'F'"),
        ("cinema,category,contribution\nX12,A,1\n", "line 2, cinema: must be the CNC establishment number"),
        ("cinema,category,contribution,days\n1,A,1,\n", "line 2, days: a whole number of days ≥ 0, got ''"),
        (
            "cinema,category,contribution,days\n1,A,1,2.5\n",
            "line 2, days: a whole number of days ≥ 0, got '2.5'",
        ),
        (
            "cinema,category,contribution\n0750012,A,1\n2,A,1\n750012,B,2\n",
            "line 4, cinema: 0750012 is already on line 2",
        ),
        ('cinema,category,contribution\n1,A,"1\n', "line 2: not readable as CSV"),
        ("cinema,category,contribution\n1,A,1\x00\n", "line 2"),
    ],
)
def test_each_error_names_its_line_and_field(text: str, message: str) -> None:
    with pytest.raises(InvalidContributions) as caught:
        parse_contributions(text)
    assert caught.value.message.startswith(message), caught.value.message


def test_the_error_carries_its_line_and_field_for_other_callers() -> None:
    with pytest.raises(InvalidContributions) as caught:
        parse_contributions("cinema,category,contribution\n\n1,A,1\n2,A,-1\n")
    assert (caught.value.line, caught.value.field) == (4, "contribution")


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_or_raises_invalid_contributions(text: str) -> None:
    try:
        parse_contributions(text)
    except InvalidContributions as exc:
        assert isinstance(exc, InvalidInput) and exc.message


CELL = st.one_of(
    st.text(alphabet="0123456789.,-;\"' \nABCDEFabcde\x00\u00a0٣", max_size=12),
    st.from_regex(r"-?[0-9]{1,25}([.,][0-9]{1,25})?", fullmatch=True),
    st.integers(-(10**30), 10**30).map(str),
)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(["cinema", "category", "contribution", "days", "Days ", "other"]), max_size=5),
    st.lists(st.lists(CELL, max_size=5), max_size=6),
    st.sampled_from([",", ";"]),
)
def test_rows_near_the_format_parse_or_raise_invalid_contributions(
    header: list[str], rows: list[list[str]], delimiter: str
) -> None:
    """Past the header, where plain random text seldom gets: numbers too long, digits of other
    scripts, quotes and delimiters inside cells."""
    text = "\n".join(delimiter.join(cells) for cells in [header, *rows])
    try:
        for p in parse_contributions(text):
            assert p.contribution >= 0 and len(p.cinema) == 7 and p.category in "ABCDE"
    except InvalidContributions as exc:
        assert exc.message
