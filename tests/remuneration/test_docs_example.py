"""The worked example of docs/remuneration.md and docs/remuneration.fr.md is what the code prints:
the documented commands are run from the docs' own code blocks, and every amount in the docs'
table, and the documented output, must be what they print."""

from __future__ import annotations

import json
import re
import shlex
from fractions import Fraction
from pathlib import Path

import pytest

from artaud.cli import main
from artaud.remuneration.contributions import parse_contributions
from artaud.remuneration.money import euros_fr
from artaud.remuneration.numbers import exact_decimal
from tests.doc_blocks import DOCS, blocks

POLICIES = ("pro_rata", "pro_rata_bounded", "mutualist", "solidarity")
_TABLE = re.compile(r"<!-- table: remuneration-example -->\n((?:\|.*\|\n)+)")


def documented_table(doc: str) -> tuple[list[str], list[list[str]]]:
    found = _TABLE.search((DOCS / doc).read_text())
    assert found, f"{doc}: no table after <!-- table: remuneration-example -->"
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in found[1].splitlines()]
    return rows[0], [row for row in rows[2:]]  # rows[1] is the |---| line


def printed_amounts(out: str) -> dict[str, str]:
    """Each cinema's share, and the total, from the French table: its columns are two spaces apart."""
    amounts = {}
    for line in out.splitlines():
        cells = re.split(r" {2,}", line)
        if re.fullmatch(r"[0-9]{7}|Total", cells[0]):
            amounts[cells[0].lower()] = next(cell for cell in cells if cell.endswith(" €"))
    return amounts


@pytest.mark.parametrize("doc", ["remuneration.md", "remuneration.fr.md"])
def test_the_documented_commands_print_the_documented_amounts(
    doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = blocks(doc)
    text = (DOCS / doc).read_text()
    header, rows = documented_table(doc)
    assert header[4:] == list(POLICIES), f"{doc}: the table's policy columns"
    monkeypatch.chdir(tmp_path)
    for policy in POLICIES:
        args = shlex.split(code[f"preview-{policy}"])
        assert (
            args[:3] == ["artaud", "remuneration", "preview"] and args[args.index("--policy") + 1] == policy
        )
        (tmp_path / args[args.index("--contributions") + 1]).write_text(code["remuneration-csv"] + "\n")

        assert main(args[1:]) == 0
        out = capsys.readouterr().out
        column = 4 + POLICIES.index(policy)
        assert printed_amounts(out) == {row[0]: row[column] for row in rows}, f"{doc}: {policy}"
        if policy == "solidarity":
            assert out == code["preview-output"] + "\n", f"{doc}: the documented output"

        assert main([*args[1:], "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert {cnc: euros_fr(cents) for cnc, cents in result["amounts"].items()} == {
            row[0]: row[column] for row in rows if row[0] != "total"
        }
        # the fee and the pot the prose quotes
        assert euros_fr(result["fee_cents"]) in text and euros_fr(result["pot_cents"]) in text


@pytest.mark.parametrize("doc", ["remuneration.md", "remuneration.fr.md"])
def test_the_table_shows_the_documented_file(doc: str) -> None:
    cinemas = {p.cinema: p for p in parse_contributions(blocks(doc)["remuneration-csv"])}
    _, rows = documented_table(doc)
    for cnc, category, contribution, days, *_ in rows[:-1]:
        shown = exact_decimal(contribution.replace(" ", ""))  # `1 320.25` or `1 320,25`
        assert (cinemas[cnc].category, cinemas[cnc].contribution, cinemas[cnc].days) == (
            category,
            shown,
            int(days),
        )
    assert [row[0] for row in rows[:-1]] == sorted(cinemas)
    total = exact_decimal(rows[-1][2].replace(" ", ""))
    assert total == sum((p.contribution for p in cinemas.values()), Fraction(0))


def test_both_languages_run_the_same_example() -> None:
    fr, en = blocks("remuneration.fr.md"), blocks("remuneration.md")
    assert fr["remuneration-csv"] == en["remuneration-csv"]
    assert fr["preview-output"] == en["preview-output"]
    for policy in POLICIES:
        assert fr[f"preview-{policy}"].replace("apports.csv", "contributions.csv") == en[f"preview-{policy}"]
    assert [row[4:] for row in documented_table("remuneration.fr.md")[1]] == [
        row[4:] for row in documented_table("remuneration.md")[1]
    ]
