"""`artaud remuneration preview` on the command line: output, and clear errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from artaud.cli import main

CSV = "cinema,category,contribution,days\n0750012,A,4210.5,30\n0120033,E,212.5,14\n"


def preview(path: Path, *options: str) -> int:
    return main(
        [
            "remuneration",
            "preview",
            "--contributions",
            str(path),
            "--payment-cents",
            "100000",
            "--fee-rate",
            "0.1",
            *options,
        ]
    )


@pytest.fixture
def contributions(tmp_path: Path) -> Path:
    path = tmp_path / "apports.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_json(contributions: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert preview(contributions, "--policy", "mutualist", "--alpha", "0.5", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["pot_cents"], out["policy"], out["params"]) == (90000, "mutualist", {"alpha": "0.5"})
    assert sum(out["amounts"].values()) == 90000 and set(out["amounts"]) == {"0120033", "0750012"}


def test_the_french_table(contributions: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert preview(contributions, "--policy", "pro_rata_bounded", "--floor-cents", "10000") == 0
    out = capsys.readouterr().out
    assert "plancher 100,00 €, sans plafond" in out and "900,00 €" in out and "█" in out


@pytest.mark.parametrize(
    ("text", "options", "error"),
    [
        (
            CSV + "0240105,D,-640,21\n",
            ["--policy", "pro_rata"],
            "apports.csv:4: contribution: must not be negative",
        ),
        (
            CSV + "0750012,B,1,1\n",
            ["--policy", "pro_rata"],
            "apports.csv:4: cinema: 0750012 is already on line 2",
        ),
        (CSV + "0240105,D,640\n", ["--policy", "pro_rata"], "apports.csv:4: 3 field(s), expected 4"),
        (CSV, ["--policy", "equal"], "--policy: unknown policy 'equal'"),
        (CSV, ["--policy", "solidarity", "--coefficients", "A=1,B=1"], "coefficients: missing C, D, E"),
        (CSV, ["--policy", "pro_rata", "--fee-rate", "1.5"], "--fee-rate: from 0 up to but not including 1"),
        (
            CSV,
            ["--policy", "pro_rata_bounded", "--floor-cents", "50000"],
            "a floor of 50000 cents for 2 cinemas",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(
    contributions: Path, capsys: pytest.CaptureFixture[str], text: str, options: list[str], error: str
) -> None:
    contributions.write_text(text, encoding="utf-8")
    assert preview(contributions, *options) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert error in captured.err


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert preview(tmp_path / "absent.csv", "--policy", "pro_rata") == 2
    assert "absent.csv" in capsys.readouterr().err


def test_no_traceback_from_the_installed_command(contributions: Path) -> None:
    contributions.write_text(CSV + "oops,Z,1,1\n", encoding="utf-8")
    run = subprocess.run(
        [
            *(sys.executable, "-m", "artaud.cli", "remuneration", "preview"),
            *("--contributions", str(contributions), "--payment-cents", "100000"),
            *("--fee-rate", "0.1", "--policy", "pro_rata"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert (
        run.stderr
        == f"error: {contributions}:4: cinema: must be the CNC establishment number (1 to 7 digits), got 'oops'\n"
    )
