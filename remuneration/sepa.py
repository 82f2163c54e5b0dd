"""IO-free: the SEPA credit-transfer file (ISO 20022 `pain.001`) that pays the cinemas their shares.

The XML is written by sepaxml (`SepaTransfer`), in the version `pain.001.001.09`: the ISO 20022
2019 message the EPC's SEPA Credit Transfer rulebook has used since November 2023 and French banks
accept (CFONB guide); sepaxml also writes `.03`, the 2009 version many banks still take, which
`pain001(schema=...)` can produce for a bank that wants it. Every file is checked against the XSD
sepaxml ships for its version before it is returned (`validate`).

Deterministic: the same inputs, message id and creation time give the same bytes. sepaxml draws a
random message id, a random payment-information id and the clock's time; they are replaced by the
given message id (also the one payment block's id) and creation time. `payouts_for` derives the
message id from the inputs when none is given: a bank refuses a second file with a message id it
has already received, so the same payouts sent twice are refused by the bank rather than paid twice.

Amounts are whole cents; a zero amount is skipped (and reported: `PayoutFile.skipped`), never a
transfer of 0; the batch's control sum is the sum of the amounts. Names and remittance text are
written in the SEPA character set (accents transliterated: bank.sepa_text).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any, Protocol

import xmlschema
from sepaxml import SepaTransfer

from artaud.errors import InvalidFields
from artaud.remuneration.bank import BankAccount, InvalidBankAccount, is_sepa_text, sepa_text

SCHEMA = "pain.001.001.09"
SCHEMAS = ("pain.001.001.03", "pain.001.001.09")
MAX_ID = 35  # MsgId, PmtInfId, EndToEndId: Max35Text
MAX_REMITTANCE = 140  # Ustrd
MAX_AMOUNT_CENTS = 99_999_999_999  # 999 999 999,99 €: the EPC's largest amount


class InvalidPayout(InvalidFields):
    code = "invalid_payout"


@dataclass(frozen=True)
class Payout:
    """One transfer to one cinema."""

    cinema_cnc: str
    holder: str
    iban: str
    bic: str | None
    amount_cents: int
    end_to_end_id: str  # the reference the cinema's bank shows it (1 to 35 SEPA characters)
    remittance: str  # free text for the cinema's accountant, up to 140 characters (in French)


@dataclass(frozen=True)
class PayoutItem:
    """What to pay a cinema, before its bank details are looked up: a row of a payouts file, or the
    ledger's payable for a period."""

    cinema_cnc: str
    amount_cents: int
    reference: str
    remittance: str = ""  # "" : `remittance_text` of the cinema and reference


@dataclass(frozen=True)
class PayoutFile:
    xml: bytes
    message_id: str
    schema: str
    paid: tuple[Payout, ...]
    skipped: tuple[Payout | PayoutItem, ...]  # zero amounts, not in the file
    total_cents: int


class BankDirectory(Protocol):
    """Where a cinema's bank details come from (bank_store.BankStore)."""

    def get(self, cinema_cnc: str) -> BankAccount | None: ...


def remittance_text(cinema_cnc: str, reference: str) -> str:
    """The default remittance text of a payout (French, SEPA characters, ≤ 140)."""
    return sepa_text(f"Reversement SCARE audience mutualisée - cinéma {cinema_cnc} - réf. {reference}")[
        :MAX_REMITTANCE
    ]


def _identifier(problems: dict[str, str], field: str, value: str) -> None:
    if not 1 <= len(value) <= MAX_ID:
        problems[field] = f"1 to {MAX_ID} characters, got {len(value)}"
    elif not is_sepa_text(value) or " " in value:
        problems[field] = "letters, digits and / - ? : ( ) . , ' + only, no space"
    elif value.startswith("/") or value.endswith("/") or "//" in value:
        problems[field] = "may not start or end with / nor contain //"


def _amount(value: object) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return "whole cents (an integer)"
    if value < 0:
        return "a negative amount cannot be transferred"
    if value > MAX_AMOUNT_CENTS:
        return "above 999 999 999,99 €, the largest SEPA transfer"
    return None


class _Transfer(SepaTransfer):  # type: ignore[misc]
    """sepaxml's transfer with the message id, the creation time and the payment block's id given
    rather than drawn (sepaxml writes them at construction and when it closes the batch)."""

    def __init__(self, config: dict[str, Any], schema: str, message_id: str, created_at: datetime) -> None:
        super().__init__(config, schema=schema, clean=False)
        self.msg_id = message_id
        header = self._xml.find("CstmrCdtTrfInitn/GrpHdr")
        header.find("MsgId").text = message_id
        header.find("CreDtTm").text = created_at.astimezone(UTC).isoformat(timespec="seconds")

    def _finalize_batch(self) -> None:
        super()._finalize_batch()
        for node in self._xml.iter("PmtInfId"):
            node.text = self.msg_id


def pain001(
    debtor: BankAccount,
    payments: Sequence[Payout],
    execution_date: date,
    message_id: str,
    created_at: datetime,
    *,
    schema: str = SCHEMA,
) -> PayoutFile:
    """The credit-transfer file paying `payments` from the `debtor`'s account (the SCARE's) on
    `execution_date`, checked against its XSD; InvalidPayout names every wrong field (a payment's
    fields as `payments[i].field`)."""
    problems: dict[str, str] = {}
    if schema not in SCHEMAS:
        problems["schema"] = f"one of {', '.join(SCHEMAS)}"
    _identifier(problems, "message_id", message_id)
    if created_at.tzinfo is None:
        problems["created_at"] = "a moment with its time zone"
    paid: list[Payout] = []
    skipped: list[Payout | PayoutItem] = []
    seen: dict[str, int] = {}
    for i, p in enumerate(payments):
        where = f"payments[{i}]"
        wrong = _amount(p.amount_cents)
        if wrong:
            problems[f"{where}.amount_cents"] = wrong
            continue
        if p.amount_cents == 0:
            skipped.append(p)
            continue
        try:
            BankAccount(p.holder, p.iban, p.bic)
        except InvalidBankAccount as exc:
            problems.update({f"{where}.{k}": v for k, v in exc.problems.items()})
        _identifier(problems, f"{where}.end_to_end_id", p.end_to_end_id)
        if p.end_to_end_id in seen:
            problems[f"{where}.end_to_end_id"] = f"already used by payments[{seen[p.end_to_end_id]}]"
        seen.setdefault(p.end_to_end_id, i)
        text = sepa_text(p.remittance)
        if not text:
            problems[f"{where}.remittance"] = "required"
        elif len(text) > MAX_REMITTANCE or not is_sepa_text(text):
            problems[f"{where}.remittance"] = f"up to {MAX_REMITTANCE} SEPA characters"
        paid.append(p)
    if not paid and not problems:
        problems["payments"] = "nothing to pay: every amount is zero" if skipped else "no payment"
    if problems:
        raise InvalidPayout(problems)

    config: dict[str, Any] = {
        "name": debtor.holder_sepa,
        "IBAN": debtor.iban,
        "batch": True,
        "currency": "EUR",
    }
    if debtor.bic:
        config["BIC"] = debtor.bic
    transfer = _Transfer(config, schema, message_id, created_at)
    for p in paid:
        account = BankAccount(p.holder, p.iban, p.bic)
        payment: dict[str, Any] = {
            "name": account.holder_sepa,
            "IBAN": account.iban,
            "amount": p.amount_cents,
            "execution_date": execution_date,
            "description": sepa_text(p.remittance),
            "endtoend_id": p.end_to_end_id,
        }
        if account.bic:
            payment["BIC"] = account.bic
        transfer.add_payment(payment)
    xml: bytes = transfer.export(validate=False)
    validate(xml, schema)
    return PayoutFile(
        xml=xml,
        message_id=message_id,
        schema=schema,
        paid=tuple(paid),
        skipped=tuple(skipped),
        total_cents=sum(p.amount_cents for p in paid),
    )


def payouts_for(
    items: Iterable[PayoutItem],
    bank: BankDirectory,
    debtor: BankAccount,
    execution_date: date,
    created_at: datetime,
    *,
    message_id: str | None = None,
    schema: str = SCHEMA,
) -> PayoutFile:
    """The file paying `items` (a payouts CSV's rows, or the ledger's payables) to the cinemas' bank
    accounts as `bank` records them. Zero amounts are skipped before any lookup; every cinema with
    something to be paid and no bank details is named in one error. The message id, unless given,
    is derived from the inputs (`ARTAUD-` and 28 hex digits of their SHA-256)."""
    problems: dict[str, str] = {}
    payments: list[Payout] = []
    skipped: list[PayoutItem] = []
    for i, item in enumerate(items):
        wrong = _amount(item.amount_cents)
        if wrong:
            problems[f"items[{i}].amount_cents"] = f"cinema {item.cinema_cnc}: {wrong}"
            continue
        if item.amount_cents == 0:
            skipped.append(item)
            continue
        account = bank.get(item.cinema_cnc)
        if account is None:
            problems[f"cinema {item.cinema_cnc}"] = (
                f"no bank details (artaud bank set {item.cinema_cnc} --holder … --iban … --by NAME)"
            )
            continue
        payments.append(
            Payout(
                cinema_cnc=item.cinema_cnc,
                holder=account.holder,
                iban=account.iban,
                bic=account.bic,
                amount_cents=item.amount_cents,
                end_to_end_id=item.reference,
                remittance=item.remittance or remittance_text(item.cinema_cnc, item.reference),
            )
        )
    if problems:
        raise InvalidPayout(problems)
    if message_id is None:
        message_id = derived_message_id(debtor, payments, execution_date, schema)
    made = pain001(debtor, payments, execution_date, message_id, created_at, schema=schema)
    return PayoutFile(
        made.xml, made.message_id, made.schema, made.paid, (*skipped, *made.skipped), made.total_cents
    )


def derived_message_id(
    debtor: BankAccount, payments: Sequence[Payout], execution_date: date, schema: str
) -> str:
    """`ARTAUD-` and the first 28 hex digits of the SHA-256 of the file's contents (debtor, date,
    version, each payment), so that the same payouts get the same message id."""
    canonical = json.dumps(
        {
            "debtor": [debtor.iban, debtor.bic],
            "date": execution_date.isoformat(),
            "schema": schema,
            "payments": [
                [p.cinema_cnc, p.iban, p.bic, p.amount_cents, p.end_to_end_id, p.remittance] for p in payments
            ],
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return "ARTAUD-" + hashlib.sha256(canonical.encode()).hexdigest()[:28]


@cache
def _xsd(schema: str) -> xmlschema.XMLSchema:
    source = resources.files("sepaxml").joinpath("schemas", f"{schema}.xsd")
    with resources.as_file(source) as path:
        return xmlschema.XMLSchema(str(path))


def validate(xml: bytes, schema: str = SCHEMA) -> None:
    """Check a pain.001 file against the ISO 20022 XSD sepaxml ships; InvalidPayout with the first
    error otherwise (a file this module made fails only if the library's output changed)."""
    errors = list(_xsd(schema).iter_errors(xml.decode("utf-8")))
    if errors:
        first = errors[0]
        raise InvalidPayout({"file": f"not a valid {schema} document: {first.reason} at {first.path}"})


ITEM_COLUMNS = ("cinema", "amount_cents", "reference")


def parse_items(text: str, source: str = "items") -> list[PayoutItem]:
    """A payouts CSV (`cinema,amount_cents,reference`, optionally `remittance`; comma or semicolon)
    into items, every wrong cell reported at once as `source:line: column`."""
    import csv
    import io

    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise InvalidPayout({source: f"not a CSV file: {exc}"}) from None
    if not rows:
        raise InvalidPayout({source: f"empty; expected the columns {','.join(ITEM_COLUMNS)}"})
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ITEM_COLUMNS if c not in header]
    if missing:
        raise InvalidPayout({source: f"missing column(s) {', '.join(missing)} (has {', '.join(header)})"})
    at = {name: header.index(name) for name in (*ITEM_COLUMNS, "remittance") if name in header}
    problems: dict[str, str] = {}
    items: list[PayoutItem] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in at.items()}
        where = f"{source}:{line}"
        cinema = cells["cinema"]
        if not re.fullmatch(r"[0-9]{1,7}", cinema):
            problems[f"{where}: cinema"] = f"a CNC number of 1 to 7 digits, got {cinema[:20]!r}"
        raw = cells["amount_cents"]
        if not re.fullmatch(r"[0-9]{1,15}", raw):
            problems[f"{where}: amount_cents"] = f"whole cents, 0 or more, got {raw[:20]!r}"
        reference = cells["reference"]
        wrong: dict[str, str] = {}
        _identifier(wrong, "reference", reference)
        if wrong:
            problems[f"{where}: reference"] = wrong["reference"]
        if not any(k.startswith(f"{where}:") for k in problems):
            items.append(PayoutItem(cinema.zfill(7), int(raw), reference, cells.get("remittance", "")))
    if problems:
        raise InvalidPayout(problems)
    return items
