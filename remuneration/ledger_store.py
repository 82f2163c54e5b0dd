"""The ledger in the control plane (SQLite and PostgreSQL, migration 9): batches and their transfers
written in one database transaction, so a crash leaves all of a batch or none of it, and a batch id
that exists books nothing (idempotent). Triggers refuse any UPDATE or DELETE of either table."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from artaud.controlplane import schema
from artaud.errors import Conflict, NotFound
from artaud.remuneration.campaigns import approver
from artaud.remuneration.ledger import Batch, Transfer, balances, reversal_of


class UnknownBatch(NotFound):
    code = "unknown_batch"


class AlreadyReversed(Conflict):
    code = "batch_already_reversed"


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


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class LedgerStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def book(self, batch: Batch, by: str, now: datetime | None = None) -> Booked:
        """Book the batch's transfers all together, once. Booking an id that exists returns what was
        booked under it (new=False) and refuses if the transfers differ: an id names one content."""
        who = approver(by)
        at = (now or datetime.now(UTC)).astimezone(UTC)
        b, t = schema.ledger_batches, schema.ledger_transfers
        try:
            with self.engine.begin() as conn:
                if self._read(conn, batch.id) is None:
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
                else:
                    fresh = False
        except IntegrityError:  # booked at the same moment by another process, or a second reversal
            fresh = False
        found = self.get(batch.id)
        if found is None:
            raise AlreadyReversed(f"batch {batch.reverses!r} is already reversed")
        if found.transfers != batch.transfers:
            raise Conflict(f"batch {batch.id!r} was booked with other transfers")
        return replace(found, new=fresh)

    def _read(self, conn: Connection, batch_id: str) -> Booked | None:
        b, t = schema.ledger_batches, schema.ledger_transfers
        head = conn.execute(select(b).where(b.c.id == batch_id)).first()
        if head is None:
            return None
        rows = conn.execute(select(t).where(t.c.batch_id == batch_id)).all()
        # "<batch>/<n>": in booking order
        rows = sorted(rows, key=lambda r: int(r.id.rsplit("/", 1)[1]))
        return Booked(
            id=head.id,
            kind=head.kind,
            campaign_id=head.campaign_id,
            reverses=head.reverses,
            booked_at=_utc(head.booked_at),
            booked_by=head.booked_by,
            memo=json.loads(head.memo),
            document=head.document,
            transfers=tuple(Transfer(r.debit_account, r.credit_account, int(r.amount_cents)) for r in rows),
            new=False,
        )

    def get(self, batch_id: str) -> Booked | None:
        with self.engine.connect() as conn:
            return self._read(conn, batch_id)

    def batches(self, *, campaign_id: str | None = None, kind: str | None = None) -> list[Booked]:
        b = schema.ledger_batches
        q = select(b.c.id).order_by(b.c.booked_at, b.c.id)
        if campaign_id is not None:
            q = q.where(b.c.campaign_id == campaign_id)
        if kind is not None:
            q = q.where(b.c.kind == kind)
        with self.engine.connect() as conn:
            ids = [r[0] for r in conn.execute(q)]
            found = [self._read(conn, i) for i in ids]
        return [f for f in found if f is not None]

    def reversed_ids(self) -> set[str]:
        b = schema.ledger_batches
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(select(b.c.reverses).where(b.c.reverses.is_not(None)))}

    def reverse(self, batch_id: str, by: str, reason: str, now: datetime | None = None) -> Booked:
        """Undo a batch by booking its mirror image; a batch is reversed at most once, and a
        reversal is not itself reversed (book the batch again under a new id instead)."""
        found = self.get(batch_id)
        if found is None:
            raise UnknownBatch(f"no ledger batch {batch_id!r}")
        if found.kind == "reversal":
            raise Conflict(f"batch {batch_id!r} is a reversal: book the corrected batch instead")
        rid, mirror = reversal_of(batch_id, found.transfers)
        if batch_id in self.reversed_ids() and self.get(rid) is None:
            raise AlreadyReversed(f"batch {batch_id!r} is already reversed")
        memo: dict[str, object] = {"reason": " ".join(reason.split())[:300], "reverses": batch_id}
        return self.book(
            Batch(rid, "reversal", mirror, memo, campaign_id=found.campaign_id, reverses=batch_id), by, now
        )

    def transfers(self) -> list[Transfer]:
        t = schema.ledger_transfers
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.c.debit_account, t.c.credit_account, t.c.amount_cents)).all()
        return [Transfer(r[0], r[1], int(r[2])) for r in rows]

    def balances(self) -> dict[str, int]:
        return balances(self.transfers())
