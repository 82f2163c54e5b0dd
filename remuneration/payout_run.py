"""Paying what the ledger has cleared: book the payout once per id and make its pain.001 file.

The one place for the payout's rules, for the command line (`artaud payouts ledger`) and the
console's « Paiements » form alike: rerun with the same id, it makes the very same file and books
nothing; it refuses a rerun on another execution date, after a cinema's bank details changed, or
after the payout was reversed (a bank would pay each different file).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

from artaud.errors import Conflict, InvalidFields, InvalidInput
from artaud.remuneration.bank import BankAccount
from artaud.remuneration.ledger_store import Booked
from artaud.remuneration.runs import PAYOUT_ID, Runs
from artaud.remuneration.sepa import BankDirectory, PayoutFile, PayoutItem, payouts_for


class InvalidPayoutRequest(InvalidFields):
    code = "invalid_payout_request"


class NothingCleared(InvalidInput):
    code = "nothing_cleared"


class PayoutReversed(Conflict):
    code = "payout_reversed"


class PayoutPinned(Conflict):
    """The payout was booked for another execution date or other bank details."""

    code = "payout_pinned"


@dataclass(frozen=True)
class PayoutRun:
    made: PayoutFile
    booked: Booked


def check_payout_id(payout_id: str) -> str:
    if not PAYOUT_ID.fullmatch(payout_id):
        raise InvalidPayoutRequest({"id": "1 to 40 of A-Z a-z 0-9 . _ - (e.g. 2026-q2)"})
    return payout_id


def pay_cleared(
    runs: Runs,
    bank: BankDirectory,
    debtor: BankAccount,
    payout_id: str,
    execution: date,
    by: str,
    now: datetime | None = None,
) -> PayoutRun:
    """Book the payout `payout_id` of what is cleared (once) and make its pain.001 file."""
    check_payout_id(payout_id)
    booked = runs.ledger.get(f"payout:{payout_id}")
    if booked is None:
        amounts = runs.cleared()
        created = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    else:
        if booked.id in runs.ledger.reversed_ids():
            raise PayoutReversed(f"payout {payout_id} was reversed: pay under a new id")
        amounts = {t.debit.removeprefix("payable:"): t.amount_cents for t in booked.transfers}
        created = booked.booked_at.replace(microsecond=0)
    if not amounts:
        raise NothingCleared("nothing is cleared for payout: no campaign both distributed and paid in full")
    if execution < created.date():
        raise InvalidPayoutRequest(
            {"execution_date": f"{execution} is before the file's creation ({created.date()})"}
        )
    accounts = {cnc: bank.get(cnc) for cnc in amounts}
    ibans = {cnc: hashlib.sha256(a.iban.encode()).hexdigest()[:16] for cnc, a in accounts.items() if a}
    if booked is not None:
        was = booked.memo
        if was.get("execution_date") != str(execution) or was.get("ibans") != ibans:
            raise PayoutPinned(
                f"payout {payout_id} was booked for {was.get('execution_date')} with the bank details of "
                "then: the same id writes the same file only (a bank would pay a different one again)"
            )
    items = [
        PayoutItem(cnc, cents, f"ARTAUD-{payout_id}-{cnc}"[:35]) for cnc, cents in sorted(amounts.items())
    ]
    message_id = "ARTAUD-" + hashlib.sha256(f"payout:{payout_id}".encode()).hexdigest()[:28]
    # the file first: a cinema without bank details is named before anything is booked
    made = payouts_for(items, bank, debtor, execution, created, message_id=message_id)
    memo: dict[str, object] = {"execution_date": str(execution), "ibans": ibans, "message_id": message_id}
    done = runs.book_payout(payout_id, amounts, memo, by, created)
    return PayoutRun(made, done)
