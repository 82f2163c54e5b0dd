"""One distribution: the fee, the pot, each cinema's cents, and what a statement records with them.

This is the entry point later steps call (campaigns, the ledger, statements): `distribute(cinemas,
payment_cents, fee_rate, policy)`. It does no IO, so a rerun on the same inputs gives the same cents
and the same hash of the inputs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from artaud.remuneration.errors import InvalidPayment
from artaud.remuneration.inputs import Participant, check_participants
from artaud.remuneration.money import apportion, fee_cents
from artaud.remuneration.numbers import fraction_text
from artaud.remuneration.policies import Params, Policy

# Named in the canonical inputs, so a later change of their shape cannot collide with today's hashes.
INPUTS_FORMAT = "artaud.remuneration.inputs/1"


@dataclass(frozen=True)
class Distribution:
    payment_cents: int
    fee_rate: Fraction
    fee_cents: int
    pot_cents: int
    policy: str
    policy_version: int
    params: Params
    amounts: dict[str, int]  # CNC number -> cents, in CNC order; sums to pot_cents
    exact_shares: dict[str, Fraction]  # before rounding, for a statement that shows its working
    inputs_sha256: str

    def as_json(self) -> dict[str, object]:
        return {
            "pot_cents": self.pot_cents,
            "policy": self.policy,
            "amounts": dict(self.amounts),
            "policy_version": self.policy_version,
            "params": self.params,
            "payment_cents": self.payment_cents,
            "fee_rate": fraction_text(self.fee_rate),
            "fee_cents": self.fee_cents,
            "inputs_sha256": self.inputs_sha256,
        }


def canonical_inputs(
    cinemas: Sequence[Participant], payment_cents: int, fee_rate: Fraction, policy: Policy
) -> bytes:
    """The inputs as one byte string: cinemas in CNC order, exact numbers as canonical text, sorted
    keys, no whitespace, ASCII only. Equal inputs, in any order, give equal bytes."""
    document = {
        "format": INPUTS_FORMAT,
        "payment_cents": payment_cents,
        "fee_rate": fraction_text(fee_rate),
        "policy": {"id": policy.id, "version": policy.version, "params": policy.params()},
        "cinemas": [
            {
                "cinema": c.cinema,
                "category": c.category,
                "contribution": fraction_text(c.contribution),
                "days": c.days,
            }
            for c in sorted(cinemas, key=lambda c: c.cinema)
        ],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def distribute(
    cinemas: Iterable[Participant], payment_cents: int, fee_rate: Fraction, policy: Policy
) -> Distribution:
    """Share a payment (whole cents, excluding VAT) among the cinemas under a policy.

    fee = payment × fee_rate rounded half-up to the cent; pot = payment − fee; each cinema's amount is
    its exact share floored to the cent, the cents left going one by one to the largest remainders
    (ties to the smaller CNC number). Raises an InvalidInput subclass for anything it cannot share.
    """
    if not isinstance(payment_cents, int) or isinstance(payment_cents, bool) or payment_cents < 0:
        raise InvalidPayment(f"payment: a whole number of cents ≥ 0, got {payment_cents!r}")
    if isinstance(fee_rate, int) and not isinstance(fee_rate, bool):
        fee_rate = Fraction(fee_rate)
    if not isinstance(fee_rate, Fraction):
        raise InvalidPayment(f"fee rate: an exact number (Fraction), got {type(fee_rate).__name__}")
    if not 0 <= fee_rate < 1:
        raise InvalidPayment(f"fee rate: from 0 up to but not including 1, got {fraction_text(fee_rate)}")
    listed = check_participants(cinemas)
    fee = fee_cents(payment_cents, fee_rate)
    pot = payment_cents - fee
    exact = policy.shares(pot, listed)
    return Distribution(
        payment_cents=payment_cents,
        fee_rate=fee_rate,
        fee_cents=fee,
        pot_cents=pot,
        policy=policy.id,
        policy_version=policy.version,
        params=policy.params(),
        amounts=apportion(pot, exact),
        exact_shares=dict(sorted(exact.items())),
        inputs_sha256=hashlib.sha256(canonical_inputs(listed, payment_cents, fee_rate, policy)).hexdigest(),
    )
