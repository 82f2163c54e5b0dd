"""The offset-range state stores: the same behaviour in memory and in SQL (SQLite, PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func, select

from artaud.controlplane.schema import ingest_state
from artaud.ingest.sql_state import SqlStateStore
from artaud.ingest.state import RangeState


def test_ingest_state_is_one_row_per_partition(store):
    assert store.get("t", 0) is None
    store.set("t", 0, RangeState(0, 99, "pending"))
    store.set("t", 0, RangeState(0, 99, "inserted"))
    store.set("t", 1, RangeState(5, 7, "pending"))
    assert store.get("t", 0) == RangeState(0, 99, "inserted")
    assert store.get("t", 1) == RangeState(5, 7, "pending")
    assert store.get("other", 0) is None
    if isinstance(store, SqlStateStore):
        with store.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(ingest_state)).scalar_one() == 2


def test_every_member_of_the_group_reads_what_another_wrote(store):
    other = SqlStateStore(store.engine) if isinstance(store, SqlStateStore) else store
    store.set("t", 3, RangeState(2**40, 2**40 + 19_999, "pending"))  # offsets are 64-bit
    assert other.get("t", 3) == RangeState(2**40, 2**40 + 19_999, "pending")
