from __future__ import annotations

from artaud.controlplane.csv_import import REFUSALS, parse_cinema_csv

CNC_LIKE = """\ufeffN° auto;Nom de l'établissement;Commune;Catégorie;Labels;Site web
0750012;Le Champo;Paris;A;Recherche et Découverte, Patrimoine et Répertoire;lechampo.example
1234567;Le Navire;Valence;C;Jeune Public;
12AB;Cinéma cassé;Nulle-part;Z;;
0750012;Le Champo bis;Paris;A;;
;;;;;
3300001;Utopia;Bordeaux;B;Label inconnu;utopia.example
"""


def test_cnc_shaped_file_with_row_level_errors():
    report = parse_cinema_csv(CNC_LIKE)
    assert [c.cnc_id for c in report.cinemas] == ["0750012", "1234567"]
    assert report.cinemas[0].labels == ("PR", "RD") and report.cinemas[0].domains == ("lechampo.example",)
    lines = [line for line, _ in report.errors]
    assert lines == [4, 5, 7]
    messages = dict(report.errors)
    assert "cnc_id" in messages[4] and "category" in messages[4]
    assert "appears twice" in messages[5]
    assert "unknown label" in messages[7]


def test_comma_separated_open_data_headers_and_existing_cinemas():
    text = "cineid,cinenom,cineville,category\n0750012,Le Champo,Paris,A\n0690001,Le Zola,Villeurbanne,B\n"
    report = parse_cinema_csv(text, existing_cnc_ids={"0750012"})
    assert [c.name for c in report.cinemas] == ["Le Zola"]
    assert report.errors == [(2, "CNC number 0750012 is already registered")]


def test_missing_columns_and_empty_files():
    assert parse_cinema_csv("").errors == [(1, "empty file: expected a header line")]
    report = parse_cinema_csv("nom;commune\nX;Y\n")
    assert report.errors[0][0] == 1 and "cnc_id" in report.errors[0][1] and "category" in report.errors[0][1]
    assert "fields but the header" in parse_cinema_csv("cnc_id,name,category\n1,A,B,extra\n").errors[0][1]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HEADER = "N° auto;Nom;Commune;Catégorie;Labels;Site web\n"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.booleans())
def test_fuzz_import_never_raises_and_every_row_is_accounted_for(body, with_header):
    text = (HEADER if with_header else "") + body
    report = parse_cinema_csv(text)
    for c in report.cinemas:
        assert len(c.cnc_id) == 7 and c.category in "ABCDE"
    assert all(line >= 1 and msg for line, msg in report.errors)
    assert [r.line for r in report.refusals] == [line for line, _ in report.errors]
    assert all(r.reason in REFUSALS for r in report.refusals)
