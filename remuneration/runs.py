"""A campaign's money, booked: its distribution under a policy, the distributor's payment arriving,
and what each cinema can be paid (the ledger: ledger.py, ledger_store.py).

A distribution run takes the campaign (approved: `CampaignStore.payable`), its frozen contributions
(freeze.py) and a policy; it books the fee, the VAT and each cinema's amount in one batch whose id
is derived from the campaign, the policy version and the inputs hash, and keeps with it the
published root and every cinema's statement. Running it again books nothing. A campaign has one live
distribution: to change the policy, reverse the booked run first (the reversal stays in the ledger).

A cinema is paid what it is owed from campaigns whose distributor has paid in full (receipts ≥
payment + VAT): the SCARE never advances money it has not received. Every check that decides a
booking (one live distribution, a payout within what is cleared, a reversal that would take back
money already paid out) runs inside the booking's lock (ledger_store.py), so two people or processes
at the same moment cannot both pass it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine

from artaud.errors import Conflict, InvalidInput
from artaud.remuneration.campaign_store import CampaignStore
from artaud.remuneration.campaigns import Campaign
from artaud.remuneration.distribution import Distribution, distribute
from artaud.remuneration.freeze import Contributions, Frozen
from artaud.remuneration.ledger import (
    BANK,
    Batch,
    Transfer,
    canonical,
    distribution_transfers,
    payable,
    receipt_id,
    receivable,
    run_id,
    vat_cents,
)
from artaud.remuneration.ledger_store import Booked, LedgerStore
from artaud.remuneration.policies import Policy, policy_of
from artaud.remuneration.statement import publish

RECEIPT_REF = re.compile(r"[A-Za-z0-9._-]{1,40}")
PAYOUT_ID = re.compile(r"[A-Za-z0-9._-]{1,40}")


class AlreadyDistributed(Conflict):
    code = "already_distributed"


class InvalidReceipt(InvalidInput):
    code = "invalid_receipt"


class NothingToDistribute(InvalidInput):
    code = "nothing_to_distribute"


class PaidOut(Conflict):
    """A reversal that would take back money already paid out to a cinema."""

    code = "already_paid_out"


@dataclass(frozen=True)
class Run:
    campaign: Campaign
    frozen: Frozen
    distribution: Distribution
    vat_cents: int
    booked: Booked

    @property
    def root(self) -> str:
        return str(self.booked.memo["root"])

    def statements(self) -> dict[str, dict[str, object]]:
        """CNC → the cinema's verifiable statement, as booked."""
        assert self.booked.document is not None
        doc: dict[str, dict[str, object]] = json.loads(self.booked.document)["statements"]
        return doc


class Runs:
    def __init__(self, engine: Engine) -> None:
        self.campaigns = CampaignStore(engine)
        self.contributions = Contributions(engine)
        self.ledger = LedgerStore(engine)

    # -- what is booked, read on a connection (inside a booking's lock, or not) -----------------
    def _live(self, conn: Connection, excluding: frozenset[str] = frozenset()) -> list[Booked]:
        gone = self.ledger.reversed_in(conn) | excluding
        return [b for b in self.ledger.batches_in(conn) if b.id not in gone and b.kind != "reversal"]

    def live_distribution(self, campaign_id: str) -> Booked | None:
        with self.ledger.engine.connect() as conn:
            live = [b for b in self._live(conn) if b.kind == "distribution" and b.campaign_id == campaign_id]
        return live[-1] if live else None

    def _run_id(self, base: str) -> str:
        """The run's id: its key, or, when a run with that key was reversed, the key's next booking
        (`<key>.2`, …), so the same inputs can be booked again after a reversal, once."""
        reversed_ids = self.ledger.reversed_ids()
        n, candidate = 1, base
        while candidate in reversed_ids:
            n += 1
            candidate = f"{base}.{n}"
        return candidate

    def distribute(self, campaign_id: str, policy: Policy, by: str, now: datetime | None = None) -> Run:
        campaign = self.campaigns.payable(campaign_id)
        frozen = self.contributions.required(campaign_id)
        d = distribute(frozen.participants, campaign.payment_cents, campaign.fee_rate, policy)
        if d.payment_cents == 0:
            raise NothingToDistribute(f"campaign {campaign_id!r}: its payment is 0 cents, nothing to book")
        batch_id = self._run_id(run_id(campaign.id, d.policy, d.policy_version, d.inputs_sha256))

        def one_live(conn: Connection, _: LedgerStore) -> None:
            for b in self._live(conn):
                if b.kind == "distribution" and b.campaign_id == campaign_id and b.id != batch_id:
                    raise AlreadyDistributed(
                        f"campaign {campaign_id!r} is already distributed ({b.memo.get('policy')}, batch "
                        f"{b.id}): reverse it first (artaud remuneration reverse {b.id} --by NAME --reason TEXT)"
                    )

        vat = vat_cents(campaign.payment_cents, campaign.vat_rate)
        published = publish(campaign.id, d, frozen.participants)
        memo: dict[str, object] = {
            **d.as_json(),
            "amounts": dict(d.amounts),
            "campaign": campaign.id,
            "siren": campaign.siren,
            "vat_cents": vat,
            "root": published.root,
            "visitors": frozen.visitors,
            "exports": list(frozen.exports),
        }
        document = canonical({"root": published.root, "statements": published.statements})
        batch = Batch(
            batch_id,
            "distribution",
            distribution_transfers(campaign.siren, vat, d),
            memo,
            campaign_id=campaign.id,
            document=document,
        )
        booked = self.ledger.book(batch, by, now, one_live)
        if not booked.new and booked.id in self.ledger.reversed_ids():  # reversed while we computed
            raise Conflict(f"batch {booked.id} was reversed meanwhile: run the distribution again")
        return Run(campaign, frozen, d, vat, booked)

    def replay(self, booked: Booked) -> Run:
        """A booked distribution recomputed from its campaign, its frozen contributions and the policy
        it records: the same cents and inputs hash, or the ledger and the records disagree (refused)."""
        if booked.kind != "distribution" or booked.campaign_id is None:
            raise InvalidInput(f"batch {booked.id} is not a distribution")
        campaign = self.campaigns.payable(booked.campaign_id)
        frozen = self.contributions.required(booked.campaign_id)
        memo = booked.memo
        params = memo.get("params")
        version = memo.get("policy_version")
        if not isinstance(params, dict) or not isinstance(version, int):
            raise Conflict(f"batch {booked.id}: its memo has no policy parameters")
        policy = policy_of(str(memo.get("policy")), params, version)
        d = distribute(frozen.participants, campaign.payment_cents, campaign.fee_rate, policy)
        if d.inputs_sha256 != memo.get("inputs_sha256") or dict(d.amounts) != memo.get("amounts"):
            raise Conflict(f"batch {booked.id}: the records no longer give the amounts it booked")
        return Run(campaign, frozen, d, int(str(memo["vat_cents"])), booked)

    def distributions(self) -> list[Run]:
        """Every live (not reversed) distribution, replayed, in booking order."""
        with self.ledger.engine.connect() as conn:
            live = [b for b in self._live(conn) if b.kind == "distribution"]
        return [self.replay(b) for b in live]

    def receive(
        self, campaign_id: str, amount_cents: int, reference: str, by: str, now: datetime | None = None
    ) -> Booked:
        """The distributor's payment for a campaign arrived at the bank (idempotent per reference)."""
        campaign = self.campaigns.payable(campaign_id)
        ref = reference.strip()
        if not RECEIPT_REF.fullmatch(ref):
            raise InvalidReceipt("reference: 1 to 40 of A-Z a-z 0-9 . _ - (the bank's reference)")
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
            raise InvalidReceipt("amount: a whole number of cents > 0")
        transfer = Transfer(BANK, receivable(campaign.siren), amount_cents)
        memo: dict[str, object] = {"campaign": campaign.id, "reference": ref}
        return self.ledger.book(
            Batch(receipt_id(campaign.id, ref), "receipt", (transfer,), memo, campaign_id=campaign.id),
            by,
            now,
        )

    @staticmethod
    def _gross(live: list[Booked]) -> dict[str, int]:
        """Each cinema's amounts from live distributions of campaigns paid in full."""
        received: dict[str, int] = {}
        for b in live:
            if b.kind == "receipt" and b.campaign_id:
                received[b.campaign_id] = received.get(b.campaign_id, 0) + sum(
                    t.amount_cents for t in b.transfers
                )
        out: dict[str, int] = {}
        for b in live:
            if b.kind != "distribution" or b.campaign_id is None:
                continue
            due = int(str(b.memo["payment_cents"])) + int(str(b.memo["vat_cents"]))
            if received.get(b.campaign_id, 0) < due:
                continue
            for t in b.transfers:
                if t.credit.startswith("payable:"):
                    cnc = t.credit.removeprefix("payable:")
                    out[cnc] = out.get(cnc, 0) + t.amount_cents
        return out

    @staticmethod
    def _paid(live: list[Booked]) -> dict[str, int]:
        out: dict[str, int] = {}
        for b in live:
            if b.kind == "payout":
                for t in b.transfers:
                    cnc = t.debit.removeprefix("payable:")
                    out[cnc] = out.get(cnc, 0) + t.amount_cents
        return out

    def _cleared(self, conn: Connection) -> dict[str, int]:
        live = self._live(conn)
        gross, paid = self._gross(live), self._paid(live)
        owed = {cnc: cents - paid.get(cnc, 0) for cnc, cents in gross.items()}
        return {cnc: cents for cnc, cents in sorted(owed.items()) if cents > 0}

    def cleared(self) -> dict[str, int]:
        """What each cinema can be paid now (CNC → cents > 0): its amounts from live distributions of
        campaigns paid in full, less what it was already paid."""
        with self.ledger.engine.connect() as conn:
            return self._cleared(conn)

    def book_payout(
        self,
        payout_id: str,
        amounts: Mapping[str, int],
        memo: Mapping[str, object],
        by: str,
        now: datetime | None = None,
    ) -> Booked:
        """Book the payout of the given amounts (each at most what the cinema is cleared for)."""
        if not PAYOUT_ID.fullmatch(payout_id):
            raise InvalidInput("payout id: 1 to 40 of A-Z a-z 0-9 . _ -")

        def within(conn: Connection, _: LedgerStore) -> None:
            cleared = self._cleared(conn)
            over = sorted(c for c, v in amounts.items() if v > cleared.get(c, 0))
            if over:
                raise Conflict(f"payout {payout_id!r}: more than cleared for {', '.join(over)}")

        transfers = tuple(Transfer(payable(c), BANK, v) for c, v in sorted(amounts.items()) if v > 0)
        if not transfers:
            raise InvalidInput(f"payout {payout_id!r}: nothing to pay")
        doc: dict[str, object] = {**memo, "payout": payout_id, "amounts": dict(sorted(amounts.items()))}
        return self.ledger.book(Batch(f"payout:{payout_id}", "payout", transfers, doc), by, now, within)

    def reverse(self, batch_id: str, by: str, reason: str, now: datetime | None = None) -> Booked:
        """Reverse a batch, unless that would take back money already paid out: after it, every
        cinema must still have been paid at most what it is cleared for (reverse the payout first,
        when the bank did not execute it). A payout itself can always be reversed."""

        def not_paid_out(conn: Connection, _: LedgerStore) -> None:
            target = self.ledger.read(conn, batch_id)
            if target is None or target.kind == "payout":
                return
            after = self._live(conn, excluding=frozenset({batch_id}))
            gross, paid = self._gross(after), self._paid(after)
            short = sorted(c for c, v in paid.items() if v > gross.get(c, 0))
            if short:
                raise PaidOut(
                    f"reversing {batch_id} would take back money already paid out to {', '.join(short)}: "
                    "reverse the payout first if the bank did not execute it"
                )

        return self.ledger.reverse(batch_id, by, reason, now, not_paid_out)
