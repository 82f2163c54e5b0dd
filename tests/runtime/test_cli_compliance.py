"""`artaud compliance check` and `report` on the command line: a setting that breaks a condition
makes `check` exit 1 with its red line; the report of the demo configuration holds every section,
as HTML and as PDF."""

from __future__ import annotations

import io
import stat

import pypdf
import pytest

from artaud import wiring
from artaud.cli import main
from artaud.config.settings import load
from artaud.demo import seed_demo
from artaud.partners.store import PartnerStore

SECTIONS = (
    "Auto-contrôle de l'exemption de consentement (CNIL)",
    "Registre des activités de traitement",
    "Traitement 1",
    "Traitement 2",
    "analyse d'impact",
    "Gardes et leurs paramètres",
    "Gestion des clés",
    "Qui voit quoi",
)


@pytest.fixture(autouse=True)
def _environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ARTAUD_PATHS__DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ARTAUD_MASTER_KEY", raising=False)


@pytest.fixture
def demo(tmp_path):
    """The demo configuration: `artaud run`'s four cinemas and a partner."""
    cp = wiring.control(load(overrides={"paths": {"data_dir": str(tmp_path)}}))
    cp.migrate()
    seed_demo(cp)
    PartnerStore(cp.engine).add("demo-agency", "Demo Agency")
    cp.close()
    return tmp_path


def test_check_passes_on_the_defaults(demo, capsys):
    assert main(["--data-dir", str(demo), "compliance", "check"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 8 and all(line.startswith("✓ ") for line in out[:7])
    assert out[-1] == "les 7 conditions sont remplies"


def test_a_retention_of_26_months_fails_the_check_with_its_red_line(demo, capsys, monkeypatch):
    monkeypatch.setenv("ARTAUD_PRIVACY__EVENT_RETENTION_MONTHS", "26")
    assert main(["--data-dir", str(demo), "compliance", "check"]) == 1
    out = capsys.readouterr().out
    [red] = [line for line in out.splitlines() if line.startswith("✗")]
    assert red.startswith("✗ Données conservées ≤ 25 mois : 26 mois (limite : ≤ 25 mois)")
    assert "[privacy.event_retention_months]" in red
    assert out.splitlines()[-1] == "1 condition(s) non remplie(s) : retention"
    # the service itself refuses to start on it
    assert main(["--data-dir", str(demo), "cinemas", "list"]) == 2
    assert "privacy.event_retention_months" in capsys.readouterr().err


def test_the_report_of_the_demo_configuration_as_html_and_pdf(demo, capsys):
    html_file, pdf_file = demo / "dossier.html", demo / "dossier.pdf"
    for fmt, out in (("html", html_file), ("pdf", pdf_file)):
        args = ["--data-dir", str(demo), "compliance", "report", "--format", fmt, "--out", str(out)]
        assert main([*args, "--date", "2026-11-29"]) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    html = html_file.read_text()
    assert all(section in html for section in SECTIONS)
    assert "Demo Agency (demo-agency" in html and "Cinémas enregistrés</dt><dd>4<" in html
    text = " ".join(
        " ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf_file.read_bytes())).pages
    )
    assert all(" ".join(section.split()) in text for section in SECTIONS)
    assert "Demo Agency" in text and "29 novembre 2026" in text


def test_a_pdf_needs_a_file(demo, capsys):
    assert main(["--data-dir", str(demo), "compliance", "report", "--format", "pdf"]) == 2
    assert "give --out FILE" in capsys.readouterr().err
