"""The pain.001 credit-transfer file: valid against the ISO 20022 XSD, totals right, zero amounts
skipped, the same bytes for the same inputs, every wrong field named."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import pytest
import xmlschema

from artaud.remuneration.bank import BankAccount
from artaud.remuneration.sepa import (
    SCHEMA,
    SCHEMAS,
    InvalidPayout,
    Payout,
    PayoutItem,
    pain001,
    parse_items,
    payouts_for,
    remittance_text,
    validate,
)

DEBTOR = BankAccount(
    "SCARE – Syndicat des cinémas d'art, de répertoire et d'essai", "FR7630004000031234567890143"
)
DAY = date(2026, 12, 15)
AT = datetime(2026, 11, 29, 14, 30, tzinfo=UTC)


def payout(cnc: str, iban: str, cents: int, ref: str, bic: str | None = None) -> Payout:
    return Payout(cnc, f"Cinéma {cnc}", iban, bic, cents, ref, remittance_text(cnc, ref))


PAYMENTS = [
    payout("0750012", "FR7630006000011234567890189", 346_985, "2026-11-ex-0750012"),
    payout("0120033", "DE89370400440532013000", 0, "2026-11-ex-0120033", "COBADEFFXXX"),
    payout("0240105", "GB29NWBK60161331926819", 101_337, "2026-11-ex-0240105"),
    payout("0350026", "CH9300762011623852957", 1, "2026-11-ex-0350026"),
]


def xsd(schema: str) -> xmlschema.XMLSchema:
    """The official ISO 20022 XSD as sepaxml ships it (sepaxml/schemas/), read independently of the
    module under test."""
    with resources.as_file(resources.files("sepaxml").joinpath("schemas", f"{schema}.xsd")) as path:
        return xmlschema.XMLSchema(str(Path(path)))


@pytest.mark.parametrize("schema", SCHEMAS)
def test_the_file_is_valid_against_the_xsd_and_its_sums_are_right(schema: str) -> None:
    made = pain001(DEBTOR, PAYMENTS, DAY, "MSG-2026-11-1", AT, schema=schema)
    checker = xsd(schema)
    assert checker.is_valid(made.xml.decode())
    doc = checker.to_dict(made.xml.decode())["CstmrCdtTrfInitn"]
    header, [block] = doc["GrpHdr"], doc["PmtInf"]
    assert header["MsgId"] == "MSG-2026-11-1" and header["NbOfTxs"] == "3"
    assert str(header["CtrlSum"]) == "4483.23" == str(block["CtrlSum"])
    assert made.total_cents == 448_323 == 346_985 + 101_337 + 1
    amounts = [tx["Amt"]["InstdAmt"]["$"] for tx in block["CdtTrfTxInf"]]
    assert [str(a) for a in amounts] == ["3469.85", "1013.37", "0.01"]
    assert [tx["PmtId"]["EndToEndId"] for tx in block["CdtTrfTxInf"]] == [
        "2026-11-ex-0750012",
        "2026-11-ex-0240105",
        "2026-11-ex-0350026",
    ]
    assert block["DbtrAcct"]["Id"]["IBAN"] == DEBTOR.iban
    assert [p.cinema_cnc for p in made.skipped] == ["0120033"]  # the zero amount, reported
    assert b"DE89370400440532013000" not in made.xml


def test_names_and_remittance_are_in_the_sepa_character_set() -> None:
    made = pain001(DEBTOR, PAYMENTS, DAY, "M1", AT)
    text = made.xml.decode()
    assert "<Nm>SCARE - Syndicat des cinemas d'art, de repertoire et d'essai</Nm>" in text
    assert (
        "<Ustrd>Reversement SCARE audience mutualisee - cinema 0750012 - ref. 2026-11-ex-0750012</Ustrd>"
        in text
    )
    for value in re.findall(r"<(?:Nm|Ustrd)>([^<]*)<", text):
        assert re.fullmatch(r"[A-Za-z0-9/\-?:().,'+ ]+", value), value


def test_the_same_inputs_give_the_same_bytes() -> None:
    first = pain001(DEBTOR, PAYMENTS, DAY, "M1", AT)
    assert pain001(DEBTOR, PAYMENTS, DAY, "M1", AT).xml == first.xml
    assert b"<CreDtTm>2026-11-29T14:30:00+00:00</CreDtTm>" in first.xml
    assert first.xml.count(b"<PmtInfId>M1</PmtInfId>") == 1  # not sepaxml's random id
    assert pain001(DEBTOR, PAYMENTS, DAY, "M2", AT).xml != first.xml


def test_the_validator_refuses_a_mutated_file() -> None:
    good = pain001(DEBTOR, PAYMENTS, DAY, "M1", AT).xml
    validate(good)
    for bad in (
        good.replace(b">3469.85<", b">-3469.85<", 1),
        good.replace(b">3469.85<", b">lots<", 1),
        good.replace(b"<BICFI>", b"<BIC>", 1).replace(b"</BICFI>", b"</BIC>", 1),
    ):
        assert not xsd(SCHEMA).is_valid(bad.decode())
        with pytest.raises(InvalidPayout) as caught:
            validate(bad)
        assert list(caught.value.problems) == ["file"]


def test_every_wrong_field_is_named() -> None:
    wrong = [
        Payout("0750012", "Le Champo", "FR7630006000011234567890188", None, 100, "ok-1", "x"),
        Payout("0120033", "Le Méliès", "FR7630006000011234567890189", None, -5, "ok-2", "x"),
        Payout("0240105", "A", "FR7630006000011234567890189", None, 7, "has space", "x" * 141),
        Payout("0350026", "B", "FR7630006000011234567890189", None, 7, "ok-1", ""),
    ]
    with pytest.raises(InvalidPayout) as caught:
        pain001(DEBTOR, wrong, DAY, "", datetime(2026, 11, 29))
    assert set(caught.value.problems) == {
        "message_id",
        "created_at",
        "payments[0].iban",
        "payments[1].amount_cents",
        "payments[2].end_to_end_id",
        "payments[2].remittance",
        "payments[3].end_to_end_id",
        "payments[3].remittance",
    }
    assert "already used by payments[0]" in caught.value.problems["payments[3].end_to_end_id"]
    with pytest.raises(InvalidPayout, match="every amount is zero"):
        pain001(DEBTOR, [PAYMENTS[1]], DAY, "M1", AT)


class Directory:
    def __init__(self, accounts: dict[str, BankAccount]) -> None:
        self.accounts = accounts
        self.asked: list[str] = []

    def get(self, cinema_cnc: str) -> BankAccount | None:
        self.asked.append(cinema_cnc)
        return self.accounts.get(cinema_cnc)


def test_payouts_for_items_looks_up_accounts_and_derives_the_message_id() -> None:
    bank = Directory({"0750012": BankAccount("Le Champo", "FR7630006000011234567890189")})
    items = [PayoutItem("0750012", 2550, "R-1"), PayoutItem("0690071", 0, "R-2")]
    made = payouts_for(items, bank, DEBTOR, DAY, AT)
    assert bank.asked == ["0750012"]  # a zero amount needs no bank details
    assert [i.cinema_cnc for i in made.skipped] == ["0690071"] and made.total_cents == 2550
    assert re.fullmatch(r"ARTAUD-[0-9a-f]{28}", made.message_id)
    assert payouts_for(items, bank, DEBTOR, DAY, AT).xml == made.xml
    assert (
        payouts_for([PayoutItem("0750012", 2551, "R-1")], bank, DEBTOR, DAY, AT).message_id != made.message_id
    )
    assert xsd(SCHEMA).is_valid(made.xml.decode())
    with pytest.raises(InvalidPayout) as caught:
        payouts_for([*items, PayoutItem("0120033", 5, "R-3")], bank, DEBTOR, DAY, AT)
    assert list(caught.value.problems) == ["cinema 0120033"]
    assert "artaud bank set 0120033" in caught.value.problems["cinema 0120033"]


def test_the_items_csv() -> None:
    items = parse_items("cinema;amount_cents;reference\n750012;2550;R-1\n\n120033;0;R-2\n", "p.csv")
    assert items == [PayoutItem("0750012", 2550, "R-1"), PayoutItem("0120033", 0, "R-2")]
    with pytest.raises(InvalidPayout) as caught:
        parse_items("cinema,amount_cents,reference\n75A,12.5,R 1\n750012,-1,R-2\n", "p.csv")
    assert set(caught.value.problems) == {
        "p.csv:2: cinema",
        "p.csv:2: amount_cents",
        "p.csv:2: reference",
        "p.csv:3: amount_cents",
    }
    with pytest.raises(InvalidPayout, match="missing column"):
        parse_items("cinema,amount\n1,2\n", "p.csv")
