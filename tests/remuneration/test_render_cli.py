"""`artaud remuneration render --from DOC.json --format html|pdf|csv [--out FILE]` (runtime/cli_statements.py):
the document written in each format, a line per wrong field and exit 2 for a bad document."""

from __future__ import annotations

import json
from pathlib import Path

import pypdf
import pytest

from artaud.cli import main
from artaud.remuneration.money import euros_fr
from artaud.remuneration.statement_document import CSV_HEADER, statement_to_json
from tests.remuneration.test_statement_document import ME, spring_statement


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "releve-2026-T1.json"
    path.write_bytes(statement_to_json(spring_statement()[0]))
    return path


def test_html_and_pdf_to_a_file(doc: Path, tmp_path: Path) -> None:
    _, d1, *_ = spring_statement()
    out = tmp_path / "releve.html"
    assert main(["remuneration", "render", "--from", str(doc), "--format", "html", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Relevé de rémunération" in html and euros_fr(d1.amounts[ME]) in html
    pdf = tmp_path / "releve.pdf"
    assert main(["remuneration", "render", "--from", str(doc), "--format", "pdf", "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert len(pypdf.PdfReader(pdf).attachments) == 2


def test_csv_to_standard_output(doc: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["remuneration", "render", "--from", str(doc), "--format", "csv"]) == 0
    out = capsysbinary.readouterr().out.decode("utf-8")
    assert out.startswith(",".join(CSV_HEADER) + "\r\n") and out.count("\r\n") == 3


def test_a_wrong_document_is_a_line_per_field(
    doc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(doc.read_bytes())
    document["lines"][0]["amount_cents"] += 1
    document["cinema_name"] = 7
    doc.write_text(json.dumps(document))
    out = tmp_path / "never.html"
    assert main(["remuneration", "render", "--from", str(doc), "--format", "html", "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "error: cinema_name: text"
    assert err[1].startswith("error: lines[0].amount_cents: ") and "proof" in err[1]
    assert not out.exists()


def test_no_json_and_no_file_are_one_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    assert main(["remuneration", "render", "--from", str(bad), "--format", "csv"]) == 2
    assert capsys.readouterr().err.startswith(f"error: {bad}: not a JSON statement document")
    assert main(["remuneration", "render", "--from", str(tmp_path / "none.json"), "--format", "csv"]) == 2
    assert "none.json" in capsys.readouterr().err


def test_the_format_is_one_of_three(doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["remuneration", "render", "--from", str(doc), "--format", "docx"])
    assert caught.value.code == 2 and "invalid choice" in capsys.readouterr().err
