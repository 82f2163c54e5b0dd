"""`artaud remuneration verify`: "valide" and exit 0, each problem and exit 1, a clear error and exit
2 for a file that is no statement, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from artaud.cli import main
from artaud.remuneration.distribution import distribute
from artaud.remuneration.policies import ProRata
from artaud.remuneration.statement import Published, publish
from tests.remuneration.helpers import cinemas


@pytest.fixture
def published() -> Published:
    listed = cinemas("4210.5", 2875, "212.5")
    return publish("2026-11-dist-42", distribute(listed, 1234567, Fraction(1, 10), ProRata()), listed)


def write(tmp_path: Path, statement: object) -> str:
    path = tmp_path / "relevé.json"
    path.write_text(json.dumps(statement), encoding="utf-8")
    return str(path)


def test_a_valid_statement(tmp_path: Path, published: Published, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, published.statements["0000002"])
    assert main(["remuneration", "verify", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith("valide") and published.root in out and "à comparer avec la racine publiée" in out
    assert main(["remuneration", "verify", path, "--root", published.root.upper()]) == 0
    assert "(la racine publiée)" in capsys.readouterr().out


def test_each_problem_and_exit_1(
    tmp_path: Path, published: Published, capsys: pytest.CaptureFixture[str]
) -> None:
    statement = dict(published.statements["0000002"])
    fields = str(statement["line"]).split("\t")
    fields[3] = "99999999"  # the amount; the salt, last, stays
    statement["line"] = "\t".join(fields)
    assert main(["remuneration", "verify", write(tmp_path, statement), "--root", "0" * 64]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any("n'est pas la racine publiée" in line for line in lines)
    assert any("la ligne du cinéma ne mène pas à la racine" in line for line in lines)
    assert any("dépasse le pot" in line for line in lines)
    assert all(line.startswith("non valide : ") for line in lines)


@pytest.mark.parametrize(
    ("content", "options", "error"),
    [
        ("not json", [], "relevé.json: not a JSON statement"),
        ("[]", [], "relevé.json: not a JSON statement"),
        ('{"format": "artaud.remuneration.statement/1"}', [], "not a statement: no campaign, line"),
        (None, ["--root", "xyz"], "--root: the published root is 64 hex digits"),
    ],
)
def test_a_file_that_is_no_statement_exits_2(
    tmp_path: Path,
    published: Published,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    options: list[str],
    error: str,
) -> None:
    path = tmp_path / "relevé.json"
    path.write_text(content if content is not None else json.dumps(published.statements["0000001"]))
    assert main(["remuneration", "verify", str(path), *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and error in err and "Traceback" not in err


def test_a_missing_file_exits_2_without_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "artaud.cli", "remuneration", "verify", str(tmp_path / "absent.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "absent.json" in done.stderr and "Traceback" not in done.stderr


def test_preview_is_still_wired(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "apports.csv"
    path.write_text("cinema,category,contribution\n0750012,A,10\n")
    args = ["--contributions", str(path), "--payment-cents", "100", "--fee-rate", "0", "--policy", "pro_rata"]
    assert main(["remuneration", "preview", *args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["amounts"] == {"0750012": 100}
