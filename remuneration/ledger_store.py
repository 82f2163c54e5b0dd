"""The ledger in the control plane (SQLite and PostgreSQL, migration 9).

- A batch and its transfers are written in one database transaction: a crash leaves all of a batch
  or none of it; a batch id that exists books nothing (idempotent).
- Bookings are taken one at a time: each first writes the `ledger_lock` row (a row lock on
  PostgreSQL, the write lock on SQLite), then runs the caller's `check` on what is booked, then
  writes. So a check (one live distribution per campaign, a payout within what is cleared) sees
  every booking before it, even from another process at the same moment.
- Triggers refuse UPDATE, DELETE (and TRUNCATE) of either table. A transfer inserted afterwards into
  a booked batch is caught on every read: the batch row keeps the count and the SHA-256 of its
  transfers (LedgerAltered)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from artaud.controlplane import schema
from artaud.errors import Conflict, NotFound, Unavailable
from artaud.remuneration.campaigns import approver
from artaud.remuneration.ledger import Batch, Transfer, balances, reversal_of, transfers_digest

Check = Callable[[Connection, "LedgerStore"], None]


class UnknownBatch(NotFound):
    code = "unknown_batch"


class AlreadyReversed(Conflict):
    code = "batch_already_reversed"


class LedgerAltered(Unavailable):
    """The ledger's records no longer match what was booked: someone wrote to the database."""

    code = "ledger_altered"


@dataclass(frozen=True)
class Booked:
    id: str
    kind: str
    campaign_id: str | None
    reverses: str | None
    booked_at: datetime
    booked_by: str
    memo: dict[str, object]
    document: str | None
    transfers: tuple[Transfer, ...]
    new: bool  # False: the id existed, nothing was booked by this call


def take_lock(conn: Connection) -> None:
    """Wait for, then hold until the transaction ends, the one lock that orders the money's writes:
    bookings, links of exports to campaigns, freezes and delivery reports."""
    lock = schema.ledger_lock
    conn.execute(update(lock).where(lock.c.id == 1).values(bookings=lock.c.bookings + 1))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class LedgerStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def book(self, batch: Batch, by: str, now: datetime | None = None, check: Check | None = None) -> Booked:
        """Book the batch's transfers all together, once. Booking an id that exists returns what was
        booked under it (new=False) and refuses if the transfers differ: an id names one content.
        `check(conn, store)` runs after the lock and before the writes; it raises to refuse."""
        who = approver(by)
        at = (now or datetime.now(UTC)).astimezone(UTC)
        b, t = schema.ledger_batches, schema.ledger_transfers
        fresh = False
        try:
            with self.engine.begin() as conn:
                take_lock(conn)
                if self.read(conn, batch.id) is None:
                    if check is not None:
                        check(conn, self)
                    conn.execute(
                        b.insert().values(
                            id=batch.id,
                            kind=batch.kind,
                            campaign_id=batch.campaign_id,
                            reverses=batch.reverses,
                            booked_at=at,
                            booked_by=who,
                            memo=batch.memo_json(),
                            document=batch.document,
                            transfers=len(batch.transfers),
                            transfers_sha256=transfers_digest(batch.transfers),
                        )
                    )
                    conn.execute(
                        t.insert(),
                        [
                            {
                                "id": tid,
                                "batch_id": batch.id,
                                "debit_account": tr.debit,
                                "credit_account": tr.credit,
                                "amount_cents": tr.amount_cents,
                            }
                            for tid, tr in zip(batch.transfer_ids(), batch.transfers, strict=True)
                        ],
                    )
                    fresh = True
        except IntegrityError:  # a second reversal of one batch (the unique `reverses`)
            raise AlreadyReversed(f"batch {batch.reverses!r} is already reversed") from None
        found = self.get(batch.id)
        assert found is not None
        if found.transfers != batch.transfers:
            raise Conflict(f"batch {batch.id!r} was booked with other transfers")
        return replace(found, new=fresh)

    def read(self, conn: Connection, batch_id: str) -> Booked | None:
        b, t = schema.ledger_batches, schema.ledger_transfers
        head = conn.execute(select(b).where(b.c.id == batch_id)).first()
        if head is None:
            return None
        rows = conn.execute(select(t).where(t.c.batch_id == batch_id)).all()
        # "<batch>/<n>": in booking order
        rows = sorted(rows, key=lambda r: int(r.id.rsplit("/", 1)[1]))
        transfers = tuple(Transfer(r.debit_account, r.credit_account, int(r.amount_cents)) for r in rows)
        if len(transfers) != head.transfers or transfers_digest(transfers) != head.transfers_sha256:
            raise LedgerAltered(f"ledger batch {batch_id}: its transfers are not the ones booked")
        return Booked(
            id=head.id,
            kind=head.kind,
            campaign_id=head.campaign_id,
            reverses=head.reverses,
            booked_at=_utc(head.booked_at),
            booked_by=head.booked_by,
            memo=json.loads(head.memo),
            document=head.document,
            transfers=transfers,
            new=False,
        )

    def get(self, batch_id: str) -> Booked | None:
        with self.engine.connect() as conn:
            return self.read(conn, batch_id)

    def batches_in(
        self, conn: Connection, *, campaign_id: str | None = None, kind: str | None = None
    ) -> list[Booked]:
        b = schema.ledger_batches
        q = select(b.c.id).order_by(b.c.booked_at, b.c.id)
        if campaign_id is not None:
            q = q.where(b.c.campaign_id == campaign_id)
        if kind is not None:
            q = q.where(b.c.kind == kind)
        ids = [r[0] for r in conn.execute(q)]
        found = [self.read(conn, i) for i in ids]
        return [f for f in found if f is not None]

    def batches(self, *, campaign_id: str | None = None, kind: str | None = None) -> list[Booked]:
        with self.engine.connect() as conn:
            return self.batches_in(conn, campaign_id=campaign_id, kind=kind)

    @staticmethod
    def reversed_in(conn: Connection) -> set[str]:
        b = schema.ledger_batches
        return {r[0] for r in conn.execute(select(b.c.reverses).where(b.c.reverses.is_not(None)))}

    def reversed_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return self.reversed_in(conn)

    def reverse(
        self, batch_id: str, by: str, reason: str, now: datetime | None = None, check: Check | None = None
    ) -> Booked:
        """Undo a batch by booking its mirror image; a batch is reversed at most once, and a
        reversal is not itself reversed (book the batch again under a new id instead). `check` may
        refuse it (runs.py: what was paid out cannot be taken back by a reversal)."""
        found = self.get(batch_id)
        if found is None:
            raise UnknownBatch(f"no ledger batch {batch_id!r}")
        if found.kind == "reversal":
            raise Conflict(f"batch {batch_id!r} is a reversal: book the corrected batch instead")
        rid, mirror = reversal_of(batch_id, found.transfers)
        memo: dict[str, object] = {"reason": " ".join(reason.split())[:300], "reverses": batch_id}
        return self.book(
            Batch(rid, "reversal", mirror, memo, campaign_id=found.campaign_id, reverses=batch_id),
            by,
            now,
            check,
        )

    def transfers(self) -> list[Transfer]:
        """Every transfer of every batch, each batch checked against what was booked."""
        with self.engine.connect() as conn:
            return self.transfers_in(conn)

    def transfers_in(self, conn: Connection) -> list[Transfer]:
        out = [t for b in self.batches_in(conn) for t in b.transfers]
        t = schema.ledger_transfers
        stored = conn.execute(select(func.count()).select_from(t)).scalar_one()
        if stored != len(out):  # a transfer of no batch
            raise LedgerAltered(f"the ledger holds {stored} transfers, its batches booked {len(out)}")
        return out

    def balances(self) -> dict[str, int]:
        return balances(self.transfers())
