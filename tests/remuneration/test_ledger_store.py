"""The ledger in the real SQL databases (SQLite file; PostgreSQL when marked): balanced, immutable,
idempotent, and all-or-nothing across a `kill -9`."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from artaud.errors import Conflict
from artaud.remuneration.ledger import BANK, FEES, Batch, Transfer, payable, receivable
from artaud.remuneration.ledger_store import AlreadyReversed, LedgerAltered, LedgerStore, UnknownBatch

SIREN = "732829320"
NOW = datetime(2026, 5, 2, 9, tzinfo=UTC)


def distribution(n: int = 3, batch_id: str = "distribution:abc") -> Batch:
    transfers = [Transfer(receivable(SIREN), FEES, 1_000)]
    transfers += [Transfer(receivable(SIREN), payable(f"{i:07d}"), 100 * i) for i in range(1, n + 1)]
    return Batch(batch_id, "distribution", tuple(transfers), {"policy": "pro_rata"}, campaign_id="c1")


def test_a_batch_books_once_whatever_the_number_of_calls(cp) -> None:
    ledger = LedgerStore(cp.engine)
    first = ledger.book(distribution(), "Claire", NOW)
    again = ledger.book(distribution(), "Someone else", NOW)
    assert first.new and not again.new
    assert again.booked_by == "Claire" and again.transfers == first.transfers
    assert len(ledger.transfers()) == 4
    assert sum(ledger.balances().values()) == 0
    assert ledger.balances()[receivable(SIREN)] == 1_600
    # the same id with other content is not the same batch
    with pytest.raises(Conflict, match="other transfers"):
        ledger.book(distribution(n=2), "Claire", NOW)


def test_entries_can_be_neither_updated_nor_deleted_even_in_sql(cp) -> None:
    ledger = LedgerStore(cp.engine)
    ledger.book(distribution(), "Claire", NOW)
    for statement in (
        "UPDATE ledger_transfers SET amount_cents = 1",
        "DELETE FROM ledger_transfers",
        "UPDATE ledger_batches SET booked_by = 'x'",
        "DELETE FROM ledger_batches",
    ):
        with pytest.raises(DatabaseError, match="immutable"), cp.engine.begin() as conn:
            conn.execute(text(statement))
    assert len(ledger.transfers()) == 4


def test_the_database_refuses_unbalanced_shapes_the_code_would_not_write(cp) -> None:
    for values in ("('x/1', 'x', 'bank', 'fees', 0)", "('x/1', 'x', 'bank', 'bank', 5)"):
        with pytest.raises(DatabaseError), cp.engine.begin() as conn:
            conn.execute(
                text(
                    f"INSERT INTO ledger_transfers (id, batch_id, debit_account, credit_account, amount_cents) VALUES {values}"
                )
            )


def test_a_reversal_mirrors_the_batch_once(cp) -> None:
    ledger = LedgerStore(cp.engine)
    ledger.book(distribution(), "Claire", NOW)
    undone = ledger.reverse("distribution:abc", "Claire", "wrong policy", NOW)
    assert undone.kind == "reversal" and undone.reverses == "distribution:abc"
    assert all(v == 0 for v in ledger.balances().values())
    assert ledger.reverse("distribution:abc", "Claire", "again", NOW).id == undone.id  # idempotent
    assert len(ledger.transfers()) == 8
    with pytest.raises(Conflict, match="is a reversal"):
        ledger.reverse(undone.id, "Claire", "undo the undo", NOW)
    with pytest.raises(UnknownBatch):
        ledger.reverse("distribution:nope", "Claire", "?", NOW)
    # the database itself holds a batch to one reversal
    with pytest.raises(AlreadyReversed):
        ledger.book(
            Batch("reversal:other", "reversal", (Transfer(BANK, FEES, 1),), {}, reverses="distribution:abc"),
            "Mallory",
        )


CRASH = textwrap.dedent(
    """
    import os, signal, sys
    from sqlalchemy import event
    from artaud.controlplane.store import make_engine
    from artaud.remuneration.ledger import Batch, Transfer, FEES, payable, receivable
    from artaud.remuneration.ledger_store import LedgerStore

    url, where = sys.argv[1], sys.argv[2]
    engine = make_engine(url)
    die = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
    if where == "transfers":  # after the batch row, before its transfers
        @event.listens_for(engine, "before_cursor_execute")
        def _(conn, cursor, statement, *rest):
            if statement.lstrip().upper().startswith("INSERT INTO LEDGER_TRANSFERS"):
                die()
    elif where == "commit":  # every row written, not committed
        event.listen(engine, "commit", die)
    transfers = [Transfer(receivable("732829320"), FEES, 1000)]
    transfers += [Transfer(receivable("732829320"), payable(f"{i:07d}"), 100 * i) for i in range(1, 401)]
    LedgerStore(engine).book(Batch("distribution:crash", "distribution", tuple(transfers), {}), "Claire")
    print("booked")
    """
)


@pytest.mark.parametrize("where", ["transfers", "commit"])
def test_kill_9_in_the_middle_leaves_nothing_and_the_rerun_books_one_complete_set(cp, where) -> None:
    url = cp.engine.url.render_as_string(hide_password=False)
    killed = subprocess.run([sys.executable, "-c", CRASH, url, where], capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    ledger = LedgerStore(cp.engine)
    assert ledger.get("distribution:crash") is None
    assert ledger.transfers() == []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", CRASH, url, "none"], capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    booked = ledger.get("distribution:crash")
    assert booked is not None and len(booked.transfers) == 401
    assert len(ledger.transfers()) == 401
    assert sum(ledger.balances().values()) == 0


def test_a_transfer_slipped_into_a_booked_batch_is_caught_on_read(cp) -> None:
    ledger = LedgerStore(cp.engine)
    ledger.book(distribution(), "Claire", NOW)
    with cp.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_transfers (id, batch_id, debit_account, credit_account, amount_cents) "
                "VALUES ('distribution:abc/9', 'distribution:abc', 'bank', 'payable:0000001', 5000)"
            )
        )
    with pytest.raises(LedgerAltered):
        ledger.get("distribution:abc")
    with pytest.raises(LedgerAltered):
        ledger.balances()


def test_a_transfer_of_no_batch_is_caught(cp) -> None:
    ledger = LedgerStore(cp.engine)
    ledger.book(distribution(), "Claire", NOW)
    with cp.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_transfers (id, batch_id, debit_account, credit_account, amount_cents) "
                "VALUES ('x/1', 'x', 'bank', 'payable:0000001', 5000)"
            )
        )
    with pytest.raises(LedgerAltered, match="holds 5 transfers"):
        ledger.balances()


def test_the_ledger_is_not_undone_by_a_migration_nor_truncated(cp) -> None:
    from artaud.controlplane.migrations import migrate

    LedgerStore(cp.engine).book(distribution(), "Claire", NOW)
    with pytest.raises(RuntimeError, match="holds records"):
        migrate(cp.engine, target=8)
    assert LedgerStore(cp.engine).get("distribution:abc") is not None
    if cp.engine.dialect.name == "postgresql":
        with pytest.raises(DatabaseError, match="immutable"), cp.engine.begin() as conn:
            conn.execute(text("TRUNCATE ledger_transfers"))
