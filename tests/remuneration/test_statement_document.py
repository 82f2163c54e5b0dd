"""A cinema's statement for a period, in French, as HTML, CSV and PDF: its own line of each campaign
and nothing of any other cinema's, every value escaped, no cell that a spreadsheet would run, and a
PDF that carries each campaign's proof, which verifies against the published root."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from datetime import date
from fractions import Fraction

import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.errors import InvalidInput
from artaud.remuneration.campaigns import Campaign, make_campaign
from artaud.remuneration.distribution import Distribution, distribute
from artaud.remuneration.inputs import Participant
from artaud.remuneration.money import euros_fr
from artaud.remuneration.policies import Mutualist, ProRata
from artaud.remuneration.statement import Published, load_statement, publish, verify
from artaud.remuneration.statement_document import (
    CSV_HEADER,
    CinemaStatement,
    InvalidStatementDocument,
    StatementLine,
    csv_cell,
    date_fr,
    line_of,
    proof_json,
    render_csv,
    render_html,
    render_pdf,
    statement_from_json,
    statement_to_json,
    visitors_fr,
)

# cinema 2 (by CNC order) is the one whose statement is rendered; 1 and 3 must never show
ME, OTHERS = "0690071", ("0120033", "0750012")
SPRING = (date(2026, 1, 1), date(2026, 3, 31))
ISSUED = date(2026, 4, 2)


def campaign(id: str = "2026-03-ete", **fields: str) -> Campaign:
    given = {
        "id": id,
        "distributor": "Pyramide Distribution",
        "siren": "732 829 320",
        "film_title": "L'Été dernier",
        "director": "Catherine Breillat",
        "partner": "agence-lumiere",
        "start": "2026-03-01",
        "end": "2026-03-31",
        "payment_cents": "1234567",
        "vat_rate": "0.20",
        "fee_rate": "0.10",
    }
    return make_campaign(**{**given, **fields})  # type: ignore[arg-type]


def three_cinemas(c: Campaign) -> tuple[Distribution, Published]:
    listed = [
        Participant("0120033", "E", Fraction("212.5")),
        Participant(ME, "B", Fraction(2875)),
        Participant("0750012", "A", Fraction("4210.5")),
    ]
    d = distribute(listed, c.payment_cents, c.fee_rate, ProRata())
    return d, publish(c.id, d, listed)


def third_of_a_visitor(c: Campaign) -> tuple[Distribution, Published]:
    listed = [Participant(ME, "B", Fraction(1, 3), 10), Participant("0750012", "A", Fraction(7), 20)]
    d = distribute(listed, c.payment_cents, c.fee_rate, Mutualist(alpha=Fraction(3, 10)))
    return d, publish(c.id, d, listed)


def statement(*lines: StatementLine, cnc: str = ME) -> CinemaStatement:
    return CinemaStatement(cnc, "Le Méliès", *SPRING, ISSUED, lines)


def spring_statement() -> tuple[CinemaStatement, Distribution, Published, Distribution, Published]:
    summer, autumn = campaign(), campaign("2026-02-automne", film_title="Anatomie d'une chute", director="")
    d1, p1 = three_cinemas(summer)
    d2, p2 = third_of_a_visitor(autumn)
    st_ = statement(line_of(summer, d1, p1, ME), line_of(autumn, d2, p2, ME))
    return st_, d1, p1, d2, p2


def test_the_french_words_for_dates_and_visitors() -> None:
    assert date_fr(date(2026, 3, 1)) == "1er mars 2026" and date_fr(date(2026, 8, 31)) == "31 août 2026"
    assert visitors_fr(Fraction(4210)) == "4 210"
    assert visitors_fr(Fraction("12.5")) == "12,50"
    assert visitors_fr(Fraction("4210.25")) == "4 210,25"
    assert visitors_fr(Fraction(1, 3)) == "≈ 0,33" and visitors_fr(Fraction(2, 3)) == "≈ 0,67"
    assert visitors_fr(Fraction("0.125")) == "≈ 0,13"  # half-up


def test_the_html_shows_each_campaign_in_french_with_the_total() -> None:
    st_, d1, p1, d2, p2 = spring_statement()
    html = render_html(st_)
    for label in ("Relevé de rémunération", "Campagne", "Distributeur", "Film (réalisateur)", "Diffusion"):
        assert label in html
    for label in ("Contribution", "Montant", "Politique", "Empreinte des entrées", "Racine", "Total"):
        assert label in html
    assert "Le Méliès" in html and ME in html
    assert "du 1er janvier 2026 au 31 mars 2026" in html and "2 avril 2026" in html
    assert "1er mars 2026 – 31 mars 2026" in html
    assert "L&#39;Été dernier (Catherine Breillat)" in html and "Anatomie d&#39;une chute</td>" in html
    assert "2 875</td>" in html and "≈ 0,33" in html
    mine = d1.amounts[ME], d2.amounts[ME]
    assert euros_fr(mine[0]) in html and euros_fr(mine[1]) in html
    assert euros_fr(sum(mine)) in html and st_.total_cents == sum(mine)
    assert f"sur une cagnotte de {euros_fr(d1.pot_cents)}" in html
    assert "Prorata (pro_rata, version 1) : au prorata des contributions" in html
    assert "Mutualiste (mutualist, version 1) : α = 0,3 : 30 % selon les jours" in html
    for d, p in ((d1, p1), (d2, p2)):
        assert f'title="{d.inputs_sha256}">{d.inputs_sha256[:12]}…' in html
        assert f'title="{p.root}">{p.root[:12]}…' in html
        assert f'<span class="hash">{p.root}</span>' in html  # the full value, printed in the notes
    assert "artaud remuneration verify" in html and "docs/remuneration.fr.md" in html
    assert "2026-03-ete-0690071.statement.json" in html
    # self-contained: no script, nothing to fetch
    assert "<script" not in html and not re.search(r"\b(src|href)=|url\(|@import", html)


def test_no_other_cinemas_cnc_or_figures_in_any_format() -> None:
    st_, d1, p1, _, _ = spring_statement()
    theirs = [euros_fr(d1.amounts[c]) for c in OTHERS] + ["212,5", "4 210", "4210.5", "212.5"]
    theirs += [str(d1.amounts[c]) for c in OTHERS]
    shown = render_html(st_) + render_csv(st_)
    for figure in [*OTHERS, *theirs]:
        assert figure not in shown, figure
    # the test would see them: the same campaign rendered for cinema 3 shows its own
    c = campaign()
    other = render_html(statement(line_of(c, d1, p1, "0750012"), cnc="0750012"))
    assert euros_fr(d1.amounts["0750012"]) in other and "4 210,50" in other


def test_a_line_of_another_cinema_is_refused() -> None:
    c = campaign()
    d, p = three_cinemas(c)
    with pytest.raises(InvalidStatementDocument) as caught:
        statement(line_of(c, d, p, "0750012"))
    assert caught.value.problems == {"lines[0].proof": f"the statement of cinema 0750012, not of {ME}"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount_cents", 1),
        ("pot_cents", 999),
        ("contribution", Fraction(2876)),
        ("campaign_id", "2026-04-autre"),
        ("policy", "solidarity"),
        ("inputs_sha256", "0" * 64),
        ("root", "1" * 64),
    ],
)
def test_a_figure_its_proof_does_not_back_is_refused(field: str, value: object) -> None:
    st_, *_ = spring_statement()
    line = st_.lines[0]
    changed = value if field != "amount_cents" else line.amount_cents + 1
    with pytest.raises(InvalidStatementDocument) as caught:
        dataclasses.replace(line, **{field: changed})
    assert field in caught.value.problems


def test_a_proof_that_does_not_check_out_is_refused() -> None:
    st_, *_ = spring_statement()
    proof = dict(st_.lines[0].proof)
    proof["line_path"] = list(reversed(proof["line_path"]))  # type: ignore[call-overload]
    with pytest.raises(InvalidStatementDocument) as caught:
        dataclasses.replace(st_.lines[0], proof=proof)
    assert "ne mène pas à la racine" in caught.value.problems["proof"]


def salts(st_: CinemaStatement) -> list[str]:
    return [str(line.proof["line"]).split("\t")[4] for line in st_.lines]


def test_the_salt_is_in_the_proof_only_never_in_the_html_or_the_csv() -> None:
    """The cinema's salt is what keeps its line out of reach of its neighbours' statements: it has
    no use in the table, and a printed or forwarded page must not carry it."""
    st_, *_ = spring_statement()
    mine = salts(st_)
    assert len(mine) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", salt) for salt in mine)
    shown = render_html(st_) + render_csv(st_)
    for salt in mine:
        assert salt not in shown and salt[:12] not in shown
    # in the proofs, which belong to this cinema: the attachments and the JSON form
    assert all(salt in proof_json(line) for salt, line in zip(mine, st_.lines, strict=True))
    assert all(salt.encode() in statement_to_json(st_) for salt in mine)


def test_a_proof_with_another_salt_is_refused() -> None:
    st_, *_ = spring_statement()
    proof = dict(st_.lines[0].proof)
    fields = str(proof["line"]).split("\t")
    fields[4] = "0" * 32
    with pytest.raises(InvalidStatementDocument) as caught:
        dataclasses.replace(st_.lines[0], proof={**proof, "line": "\t".join(fields)})
    assert "ne mène pas à la racine" in caught.value.problems["proof"]
    with pytest.raises(InvalidStatementDocument) as caught:
        dataclasses.replace(st_.lines[0], proof={**proof, "line": "\t".join(fields[:4])})
    assert "artaud.remuneration.line/2 (5 champs)" in caught.value.problems["proof"]


def test_a_campaign_twice_and_a_period_backwards_are_refused() -> None:
    st_, *_ = spring_statement()
    with pytest.raises(InvalidStatementDocument) as caught:
        CinemaStatement(ME, " ", date(2026, 4, 1), date(2026, 3, 31), ISSUED, (st_.lines[0], st_.lines[0]))
    assert set(caught.value.problems) == {"cinema_name", "period_end", "lines[1].campaign_id"}


def test_hostile_text_is_escaped() -> None:
    c = campaign(
        film_title="<script>alert(1)</script>",
        distributor='"><img src=x onerror=alert(1)>',
        director="</td></tr><tr><td>0750012",
    )
    d, p = three_cinemas(c)
    html = render_html(statement(line_of(c, d, p, ME)))
    assert "<script" not in html and "<img" not in html and "</td></tr><tr><td>0750012" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_an_empty_period_is_a_statement_of_nothing() -> None:
    html = render_html(statement())
    assert "Aucune campagne sur la période" in html and "0,00 €" in html
    assert render_csv(statement()) == ",".join(CSV_HEADER) + "\r\n"


def test_the_csv_reads_back_exactly() -> None:
    st_, d1, p1, d2, p2 = spring_statement()
    rows = list(csv.DictReader(io.StringIO(render_csv(st_), newline="")))
    assert list(rows[0]) == list(CSV_HEADER)
    assert rows[0] == {
        "campaign": "2026-03-ete",
        "distributor": "Pyramide Distribution",
        "film": "L'Été dernier",
        "director": "Catherine Breillat",
        "flight_start": "2026-03-01",
        "flight_end": "2026-03-31",
        "contribution": "2875",
        "amount_cents": str(d1.amounts[ME]),
        "pot_cents": str(d1.pot_cents),
        "policy": "pro_rata",
        "policy_version": "1",
        "params": "{}",
        "inputs_sha256": d1.inputs_sha256,
        "root": p1.root,
    }
    assert rows[1]["contribution"] == "1/3" and Fraction(rows[1]["contribution"]) == Fraction(1, 3)
    assert json.loads(rows[1]["params"]) == d2.params == {"alpha": "0.3"}
    assert int(rows[1]["amount_cents"]) == d2.amounts[ME] and rows[1]["root"] == p2.root
    assert sum(int(r["amount_cents"]) for r in rows) == st_.total_cents


def test_no_csv_cell_starts_a_formula() -> None:
    c = campaign(distributor='=HYPERLINK("http://x","y")', film_title="+1+1", director="@SUM(A1)")
    d, p = three_cinemas(c)
    [row] = list(csv.DictReader(io.StringIO(render_csv(statement(line_of(c, d, p, ME))), newline="")))
    assert row["distributor"] == '\'=HYPERLINK("http://x","y")'
    assert row["film"] == "'+1+1" and row["director"] == "'@SUM(A1)"
    for cell in ("-2+3", "\t=1", "\r=1", "=1"):
        assert csv_cell(cell) == "'" + cell
    for cell in ("", "Pyramide", "2026-03-01", "1/3", "{}", "'=1"):
        assert csv_cell(cell) == cell


def test_the_pdf_shows_the_amount_and_carries_each_proof_which_verifies() -> None:
    st_, d1, p1, _, p2 = spring_statement()
    pdf = render_pdf(st_)
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    assert euros_fr(d1.amounts[ME]) in text and euros_fr(st_.total_cents) in text
    assert "Relevé de rémunération" in text and "Le Méliès" in text
    for hidden in [*OTHERS, *salts(st_)]:
        assert hidden not in text
    attached = reader.attachments
    assert sorted(attached) == [
        "2026-02-automne-0690071.statement.json",
        "2026-03-ete-0690071.statement.json",
    ]
    for name, root in (("2026-03-ete", p1.root), ("2026-02-automne", p2.root)):
        [data] = attached[f"{name}-{ME}.statement.json"]
        proof = load_statement(data)
        assert verify(proof, root) == []
        assert str(proof["line"]).split("\t")[1] == ME
    assert render_pdf(st_) == pdf  # the same statement, the same bytes


def test_the_json_form_reads_back_to_the_same_statement() -> None:
    st_, *_ = spring_statement()
    data = statement_to_json(st_)
    assert statement_from_json(data) == st_
    assert json.loads(data)["lines"][1]["contribution"] == "1/3"


def document() -> dict[str, object]:
    st_, *_ = spring_statement()
    loaded: dict[str, object] = json.loads(statement_to_json(st_))
    return loaded


def test_each_wrong_field_of_the_json_form_is_named() -> None:
    doc = document()
    lines = doc["lines"]
    assert isinstance(lines, list)
    doc["period_start"] = "2026-13-01"
    doc["colour"] = "blue"
    del doc["issued_on"]
    lines[0]["amount_cents"] += 1
    lines[1]["contribution"] = 0.3333
    lines[1]["flight_end"] = "31/03/2026"
    with pytest.raises(InvalidStatementDocument) as caught:
        statement_from_json(json.dumps(doc).encode())
    problems = caught.value.problems
    assert set(problems) == {
        "period_start",
        "colour",
        "issued_on",
        "lines[0].amount_cents",
        "lines[1].contribution",
        "lines[1].flight_end",
    }
    assert problems["colour"] == "unknown field" and problems["issued_on"] == "missing"
    assert "is not what the proof proves" in problems["lines[0].amount_cents"]


def test_another_cinemas_line_in_the_json_form_is_refused() -> None:
    doc = document()
    doc["cinema_cnc"] = "0750012"
    with pytest.raises(InvalidStatementDocument) as caught:
        statement_from_json(json.dumps(doc).encode())
    assert set(caught.value.problems) == {"lines[0].proof", "lines[1].proof"}


@pytest.mark.parametrize("data", [b"", b"\xff", b"[]", b"null", b"{" * 100_000, b"1" * 5000])
def test_what_is_no_json_object_is_one_error(data: bytes) -> None:
    with pytest.raises(InvalidInput, match=r"doc\.json: not a JSON statement document"):
        statement_from_json(data, source="doc.json")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_read_or_raise_invalid_input(data: bytes) -> None:
    try:
        statement_from_json(data)
    except InvalidInput as exc:
        assert exc.message


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
LINE_FIELDS = [f.name for f in dataclasses.fields(StatementLine)]
PROOF_KEYS = ["format", "campaign", "root", "tree_size", "line_index", "line", "line_path", "totals"]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["top", "line", "proof", "params"]),
    st.sampled_from(
        ["cinema_cnc", "cinema_name", "period_start", "lines", *LINE_FIELDS, *PROOF_KEYS, "alpha", "x"]
    ),
    JSON,
)
def test_a_valid_document_with_any_value_anywhere_reads_or_raises_invalid_input(
    where: str, key: str, value: object
) -> None:
    """Near the format, where random bytes never get: one value of a valid document replaced."""
    doc = document()
    lines = doc["lines"]
    assert isinstance(lines, list)
    target = {"top": doc, "line": lines[1], "proof": lines[1]["proof"], "params": lines[1]["params"]}[where]
    target[key] = value
    try:
        read = statement_from_json(json.dumps(doc).encode())
    except InvalidInput as exc:
        assert exc.message
    else:
        assert read.cinema_cnc == ME and all(line.cinema == ME for line in read.lines)


@pytest.mark.parametrize("doc", ["remuneration.md", "remuneration.fr.md"])
def test_the_docs_name_the_columns_the_keys_and_a_command_that_parses(doc: str) -> None:
    import shlex
    from pathlib import Path

    from artaud.cli import build_parser
    from artaud.remuneration.statement_document import DOCUMENT_FORMAT

    text = (Path(__file__).resolve().parents[2] / "docs" / doc).read_text()
    section = text[text.index("`remuneration/statement_document.py`") :]
    assert f"`{','.join(CSV_HEADER)}`" in section and f"`{DOCUMENT_FORMAT}`" in section
    keys = set(re.findall(r"`([a-z_0-9]+)`", section[section.index(DOCUMENT_FORMAT) :]))
    assert {
        *LINE_FIELDS,
        "cinema_cnc",
        "cinema_name",
        "period_start",
        "period_end",
        "issued_on",
        "lines",
    } <= keys
    [command] = re.findall(r"^artaud remuneration render .*$", section, flags=re.M)
    args = build_parser().parse_args(shlex.split(command)[1:])
    assert (args.format, args.out) == ("pdf", "releve-2026-T1.pdf")
