"""`artaud bank` and `artaud payouts file` end to end: cinemas in the control plane, their bank
details recorded encrypted, listed masked, and a pain.001 file valid against its XSD."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import pytest
import xmlschema

from artaud.cli import main
from artaud.config.settings import load
from artaud.controlplane.model import make_cinema
from artaud.controlplane.store import ControlPlane

FR = "FR7630006000011234567890189"
DE = "DE89370400440532013000"
DEBTOR = {
    "ARTAUD_PAYOUTS__DEBTOR_NAME": "SCARE",
    "ARTAUD_PAYOUTS__DEBTOR_IBAN": "FR7630004000031234567890143",
}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two cinemas created through the control plane's store."""
    monkeypatch.setenv("ARTAUD_PATHS__DATA_DIR", str(tmp_path))
    cp = ControlPlane(load().control_url)
    cp.migrate()
    for cnc, name in (("750012", "Le Champo"), ("120033", "Le Méliès")):
        cp.add_cinema(make_cinema(cnc_id=cnc, name=name, town="Paris", category="A"))
    cp.close()
    return tmp_path


def artaud(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), *args])


def bank_set(data_dir: Path, cnc: str, iban: str, *more: str) -> int:
    return artaud(
        data_dir, "bank", "set", cnc, "--holder", "Cinéma " + cnc, "--iban", iban, "--by", "Anne", *more
    )


def test_bank_details_are_recorded_listed_masked_and_a_valid_file_is_written(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bank_set(data_dir, "750012", "fr76 3000 6000 0112 3456 7890 189") == 0
    assert bank_set(data_dir, "0120033", DE, "--bic", "COBADEFFXXX") == 0
    out = capsys.readouterr().out
    assert "FR76 •••• •••• •••• •••• •••0 189" in out and FR not in out
    assert artaud(data_dir, "bank", "list") == 0
    listed = capsys.readouterr().out
    assert "0120033  DE89 •••• •••• •••• ••30 00" in listed and "0750012  FR76" in listed
    assert FR not in listed and DE not in listed
    assert FR.encode() not in (data_dir / "control.sqlite").read_bytes()

    items = data_dir / "items.csv"
    items.write_text(
        "cinema,amount_cents,reference\n750012,346985,2026-11-ex-0750012\n"
        "120033,25503,2026-11-ex-0120033\n690071,0,2026-11-ex-0690071\n",
        encoding="utf-8",
    )
    out_file = data_dir / "pain001.xml"
    for name, value in DEBTOR.items():
        monkeypatch.setenv(name, value)
    day = (date.today() + timedelta(days=3)).isoformat()
    args = ["payouts", "file", "--items", str(items), "--execution-date", day, "--out", str(out_file)]
    assert artaud(data_dir, *args, "--created-at", "2026-11-29T14:30:00+01:00") == 0
    captured = capsys.readouterr()
    assert "2 transfer(s), 3 724,88 € in all" in captured.out
    assert "skipped (amount 0): cinema 0690071" in captured.err
    xml = out_file.read_bytes()
    assert out_file.stat().st_mode & 0o077 == 0  # it holds the cinemas' IBANs
    with resources.as_file(resources.files("sepaxml").joinpath("schemas", "pain.001.001.09.xsd")) as xsd:
        assert xmlschema.XMLSchema(str(xsd)).is_valid(xml.decode())
    assert FR.encode() in xml and DE.encode() in xml and b"<CtrlSum>3724.88</CtrlSum>" in xml
    # the same inputs, the same file (message id derived from the contents, creation time given)
    assert artaud(data_dir, *args, "--created-at", "2026-11-29T14:30:00+01:00") == 0
    assert out_file.read_bytes() == xml


def test_an_invalid_iban_is_refused_naming_the_field_and_nothing_is_stored(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bank_set(data_dir, "750012", "FR7630006000011234567890188") == 2
    err = capsys.readouterr().err
    assert "error: iban: not a valid IBAN" in err and "Traceback" not in err
    assert bank_set(data_dir, "999", FR) == 2
    assert "error: cinema: no cinema 0000999" in capsys.readouterr().err
    assert artaud(data_dir, "bank", "list") == 0
    assert capsys.readouterr().out == ""


def test_payouts_refuse_until_the_scare_account_is_configured(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bank_set(data_dir, "750012", FR) == 0
    items = data_dir / "items.csv"
    items.write_text("cinema,amount_cents,reference\n750012,100,R-1\n120033,5,R-2\n", encoding="utf-8")
    day = (date.today() + timedelta(days=3)).isoformat()
    args = [
        "payouts",
        "file",
        "--items",
        str(items),
        "--execution-date",
        day,
        "--out",
        str(data_dir / "p.xml"),
    ]
    capsys.readouterr()
    assert artaud(data_dir, *args) == 2
    err = capsys.readouterr().err
    assert "payouts.debtor_name, payouts.debtor_iban" in err and "ARTAUD_PAYOUTS__DEBTOR_IBAN" in err
    monkeypatch.setenv("ARTAUD_PAYOUTS__DEBTOR_NAME", "SCARE")
    monkeypatch.setenv("ARTAUD_PAYOUTS__DEBTOR_IBAN", "FR7630004000031234567890144")
    assert artaud(data_dir, *args) == 2
    assert "error: payouts.debtor_iban: not a valid IBAN" in capsys.readouterr().err
    monkeypatch.setenv("ARTAUD_PAYOUTS__DEBTOR_IBAN", DEBTOR["ARTAUD_PAYOUTS__DEBTOR_IBAN"])
    assert artaud(data_dir, *args) == 2  # 0120033 has no bank details
    assert "error: cinema 0120033: no bank details" in capsys.readouterr().err
    assert not (data_dir / "p.xml").exists()
    assert (
        artaud(
            data_dir, "payouts", "file", "--items", str(items), "--execution-date", "2020-01-01", "--out", "x"
        )
        == 2
    )
    assert "execution_date" in capsys.readouterr().err
