"""The register of erasure requests (controlplane/erasure_requests.py, migration 12) on SQLite and
PostgreSQL, and the request's life through warehouse/erasure.py `request_erasure`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select

from artaud.controlplane import schema
from artaud.controlplane.erasure_requests import (
    ErasureRequests,
    UnknownErasureRequest,
    visitor_digest,
)
from artaud.controlplane.migrations import MIGRATIONS, migrate
from artaud.warehouse.backend import WarehouseError
from artaud.warehouse.erasure import BadPseudonym, request_erasure

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
VISITOR = "p1." + "ab" * 16


def test_migration_12_up_and_down(cp):
    versions = [m.version for m in MIGRATIONS]
    assert inspect(cp.engine).has_table("erasure_requests")
    assert migrate(cp.engine, target=11) == [-v for v in reversed(versions) if v >= 12]
    assert not inspect(cp.engine).has_table("erasure_requests")
    assert cp.migrate() == [v for v in versions if v >= 12]
    # a register that holds requests is evidence: the migration is not undone over it
    ErasureRequests(cp.engine).receive(VISITOR, "cli", "cli:tests", NOW)
    with pytest.raises(RuntimeError, match="holds records"):
        migrate(cp.engine, target=11)
    assert inspect(cp.engine).has_table("erasure_requests")


def test_a_request_received_then_done(cp):
    register = ErasureRequests(cp.engine)
    filed = register.receive(VISITOR, "console", "ops", NOW)
    assert re.fullmatch(r"ER-[A-Z2-7]{16}", filed.id)
    assert (filed.status, filed.completed_at, filed.done) == ("received", None, {})
    done = register.done(filed.id, {"suppressed": 2, "events": 3, "removals": 0}, NOW + timedelta(seconds=2))
    assert done.status == "done" and done.completed_at == NOW + timedelta(seconds=2)
    assert done.done == {"suppressed": 2, "events": 3, "removals": 0}
    assert register.get(filed.id) == done and register.all() == [done]
    failed = register.failed(
        register.receive(VISITOR, "api", "ops", NOW + timedelta(hours=1)).id, "raison", NOW
    )
    assert failed.status == "failed" and failed.reason == "raison"
    assert [r.id for r in register.all()] == [failed.id, done.id]  # the newest first
    assert [r.id for r in register.for_visitor(VISITOR)] == [done.id, failed.id]
    assert register.for_visitor("p1." + "cd" * 16) == []
    with pytest.raises(UnknownErasureRequest):
        register.get("ER-NOPE")
    with pytest.raises(ValueError, match="channel"):
        register.receive(VISITOR, "fax", "ops", NOW)


def test_the_register_never_keeps_the_pseudonym(cp):
    register = ErasureRequests(cp.engine)
    register.receive(VISITOR, "cli", "cli:tests", NOW)
    with cp.engine.connect() as conn:
        rows = conn.execute(select(schema.erasure_requests)).all()
    assert VISITOR not in repr(rows) and "ab" * 16 not in repr(rows)
    assert (
        rows[0]._mapping["visitor_digest"] == visitor_digest(VISITOR) and len(visitor_digest(VISITOR)) == 64
    )


class FakeWarehouse:
    """Just enough of a warehouse for `erase_counted`: the person has no other key version."""

    database = "db"

    def __init__(self, fail: bool = False) -> None:
        self.fail, self.statements = fail, []

    def query(self, sql):
        if self.fail:
            raise WarehouseError("down")
        return [(3,)] if "count()" in sql else []

    def insert_rows(self, table, columns, rows):
        self.statements.append(("insert", table, len(rows)))

    def execute(self, sql):
        self.statements.append(("execute", sql.split()[0]))


def test_request_erasure_files_carries_out_and_marks(cp):
    register = ErasureRequests(cp.engine)
    wh = FakeWarehouse()
    done = request_erasure(register, wh, VISITOR, "cli", "cli:tests", NOW)
    assert done.status == "done" and done.done == {"suppressed": 1, "events": 3, "removals": 3}
    assert ("insert", "suppressions", 1) in wh.statements
    with pytest.raises(BadPseudonym):
        request_erasure(register, wh, "d.not-pooled", "cli", "cli:tests", NOW)
    assert len(register.all()) == 1  # a wrong pseudonym is refused before it is filed
    with pytest.raises(WarehouseError):
        request_erasure(register, FakeWarehouse(fail=True), VISITOR, "api", "ops", NOW)
    failed = register.all()[0] if register.all()[0].status == "failed" else register.all()[1]
    assert failed.status == "failed" and "indisponible" in failed.reason and failed.completed_at == NOW
