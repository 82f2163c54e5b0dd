"""IO-free: the remuneration ledger's rules, after TigerBeetle's (docs.tigerbeetle.com).

- A transfer moves whole cents from one account (debited) to another (credited); every transfer is
  therefore balanced on its own, and so is every batch and the whole ledger.
- Every transfer and batch has an id chosen by the caller. Booking a batch whose id exists books
  nothing: a distribution run's id is derived from its campaign, policy version and inputs hash, so
  running it twice books once.
- Nothing is ever updated or deleted. A mistake is corrected by a reversal batch, which books the
  same transfers with the accounts swapped.
- Balances are derived from the transfers, never stored.

Accounts (text, `kind:owner`):
    receivable:<SIREN>   what a distributor owes (debited when a campaign's payment is distributed,
                         credited when its payment arrives)
    bank                 the SCARE's bank account (debited when money arrives, credited when paid out)
    fees                 the SCARE's fees
    vat                  VAT collected on the invoice
    payable:<CNC>        what the SCARE owes a cinema (credited by distributions, debited by payouts)

Signs: an account's balance is its debits minus its credits; a cinema's payable balance is negative
while it is owed money, and `owed()` gives it as a positive amount.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from artaud.remuneration.distribution import Distribution
from artaud.remuneration.money import fee_cents

BANK, FEES, VAT = "bank", "fees", "vat"
ACCOUNT = re.compile(r"(receivable:[0-9]{9}|payable:[0-9]{7}|bank|fees|vat)")
KINDS = ("distribution", "receipt", "payout", "reversal")


def receivable(siren: str) -> str:
    return f"receivable:{siren}"


def payable(cnc: str) -> str:
    return f"payable:{cnc}"


@dataclass(frozen=True)
class Transfer:
    debit: str
    credit: str
    amount_cents: int

    def __post_init__(self) -> None:
        for account in (self.debit, self.credit):
            if not ACCOUNT.fullmatch(account):
                raise ValueError(f"not a ledger account: {account!r}")
        if self.debit == self.credit:
            raise ValueError(f"a transfer needs two accounts, got {self.debit} twice")
        if (
            isinstance(self.amount_cents, bool)
            or not isinstance(self.amount_cents, int)
            or self.amount_cents <= 0
        ):
            raise ValueError(f"a transfer moves a whole number of cents > 0, got {self.amount_cents!r}")


@dataclass(frozen=True)
class Batch:
    """Transfers booked together, all or none. `memo` is recorded as canonical JSON."""

    id: str
    kind: str
    transfers: tuple[Transfer, ...]
    memo: Mapping[str, object]
    campaign_id: str | None = None
    reverses: str | None = None
    document: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"batch kind: one of {KINDS}")
        if not re.fullmatch(r"[a-z]+:[A-Za-z0-9._:-]{1,72}", self.id):
            raise ValueError(f"batch id: kind:token, got {self.id!r}")
        if not self.transfers:
            raise ValueError("a batch books at least one transfer")

    def transfer_ids(self) -> list[str]:
        return [f"{self.id}/{n}" for n in range(1, len(self.transfers) + 1)]

    def memo_json(self) -> str:
        return canonical(self.memo)


def canonical(doc: object) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def vat_cents(payment_cents: int, rate: Fraction) -> int:
    """VAT on the payment, rounded half-up to the cent as the fee is."""
    return fee_cents(payment_cents, rate)


def run_id(campaign_id: str, policy: str, policy_version: int, inputs_sha256: str) -> str:
    """A distribution run's id: the same campaign, policy version and inputs give the same id."""
    digest = hashlib.sha256(f"{campaign_id}\x1f{policy}\x1f{policy_version}\x1f{inputs_sha256}".encode())
    return f"distribution:{digest.hexdigest()[:40]}"


def distribution_transfers(siren: str, vat: int, d: Distribution) -> tuple[Transfer, ...]:
    """The distributor owes payment + VAT: the fee to the SCARE, the VAT, each cinema's amount to its
    payable. Zero amounts book nothing (a transfer moves at least a cent)."""
    owed = receivable(siren)
    out = [Transfer(owed, FEES, d.fee_cents)] if d.fee_cents else []
    if vat:
        out.append(Transfer(owed, VAT, vat))
    out += [Transfer(owed, payable(cnc), cents) for cnc, cents in d.amounts.items() if cents]
    return tuple(out)


def _hashed(kind: str, *parts: str) -> str:
    """An id of fixed length from its parts (never cut: two different parts, two different ids)."""
    return f"{kind}:{hashlib.sha256(chr(31).join(parts).encode()).hexdigest()[:40]}"


def reversal_of(batch_id: str, transfers: Iterable[Transfer]) -> tuple[str, tuple[Transfer, ...]]:
    """The batch that undoes another: the same amounts, accounts swapped."""
    return _hashed("reversal", batch_id), tuple(
        Transfer(t.credit, t.debit, t.amount_cents) for t in transfers
    )


def receipt_id(campaign_id: str, reference: str) -> str:
    return _hashed("receipt", campaign_id, reference)


def transfers_digest(transfers: Iterable[Transfer]) -> str:
    """SHA-256 of the transfers' canonical text, in booking order (kept on the batch's row)."""
    text = "\n".join(f"{t.debit}\t{t.credit}\t{t.amount_cents}" for t in transfers)
    return hashlib.sha256(text.encode()).hexdigest()


def balances(transfers: Iterable[Transfer]) -> dict[str, int]:
    """Each account's debits minus credits, in account order; the values always sum to 0."""
    out: dict[str, int] = {}
    for t in transfers:
        out[t.debit] = out.get(t.debit, 0) + t.amount_cents
        out[t.credit] = out.get(t.credit, 0) - t.amount_cents
    return dict(sorted(out.items()))


def owed(balance: Mapping[str, int]) -> dict[str, int]:
    """What the SCARE owes each cinema (CNC → cents > 0), from the balances."""
    return {
        account.removeprefix("payable:"): -cents
        for account, cents in balance.items()
        if account.startswith("payable:") and cents < 0
    }
