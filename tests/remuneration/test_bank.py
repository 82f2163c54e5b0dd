"""A bank account is validated field by field (schwifty), shown masked, written in SEPA characters."""

from __future__ import annotations

import pytest

from artaud.errors import InvalidFields
from artaud.remuneration.bank import BankAccount, InvalidBankAccount, is_sepa_text, masked, sepa_text

FR = "FR7630006000011234567890189"
DE = "DE89370400440532013000"


def problems(holder: str = "Le Champo", iban: str = FR, bic: str | None = None) -> dict[str, str]:
    with pytest.raises(InvalidBankAccount) as caught:
        BankAccount(holder, iban, bic)
    assert isinstance(caught.value, InvalidFields) and caught.value.code == "invalid_bank_account"
    return caught.value.problems


def test_a_valid_account_is_normalised_and_its_bic_derived() -> None:
    a = BankAccount("  Cinéma   Le Champo ", "fr76 3000 6000 0112 3456 7890 189")
    assert (a.holder, a.iban, a.country) == ("Cinéma Le Champo", FR, "FR")
    assert a.bic is not None and a.bic[4:6] == "FR"  # from schwifty's bank registry
    assert BankAccount("X", DE, "cobadeff xxx").bic == "COBADEFFXXX"
    assert BankAccount("X", "CH9300762011623852957").country == "CH"  # in SEPA, outside the EU


def test_a_wrong_checksum_names_the_iban_and_never_echoes_it_whole() -> None:
    found = problems(iban="FR7630006000011234567890188")
    assert list(found) == ["iban"] and "checksum" in found["iban"]
    assert "30006000011234567890" not in found["iban"]


def test_a_country_outside_sepa_is_refused() -> None:
    assert problems(iban="SA0380000000608010167519") == {"iban": "country SA is not in the SEPA scheme"}
    assert "iban" in problems(iban="US12345")


def test_a_bic_of_another_country_or_malformed_is_refused() -> None:
    assert problems(iban="GB29NWBK60161331926819", bic="BNPAFRPP") == {
        "bic": "a bank in FR, but the IBAN's account is in GB"
    }
    assert list(problems(bic="BNPAFRP")) == ["bic"]
    # a bank of an overseas department (BIC under GP) with an IBAN under FR is French
    assert BankAccount("X", FR, "BDAFGPGP").bic == "BDAFGPGP"


def test_every_wrong_field_at_once() -> None:
    assert set(problems(holder=" ", iban="FR00", bic="nope")) == {"holder", "iban", "bic"}
    assert "characters a SEPA transfer cannot carry" in problems(holder="映画館")["holder"]
    assert "longer than 70" in problems(holder="A" * 71)["holder"]


def test_the_holder_is_kept_for_display_and_transliterated_for_the_file() -> None:
    a = BankAccount("Cinéma « L'Œil » & Cie — Saint-Étienne", FR)
    assert a.holder == "Cinéma « L'Œil » & Cie — Saint-Étienne"
    assert a.holder_sepa == "Cinema L'OEil + Cie - Saint-Etienne"
    assert is_sepa_text(a.holder_sepa) and not is_sepa_text(a.holder)
    assert sepa_text("Ça coûte 12,50") == "Ca coute 12,50"


def test_masking_keeps_country_check_digits_and_the_last_four_only() -> None:
    assert masked(FR) == "FR76 •••• •••• •••• •••• •••0 189"
    assert masked("de89 3704 0044 0532 0130 00") == "DE89 •••• •••• •••• ••30 00"
    assert BankAccount("X", FR).iban_masked == masked(FR)
    shown = masked(FR).replace(" ", "")
    assert shown.count("•") == len(FR) - 8 and "1234567" not in shown
