"""The control plane against real SQL databases: a SQLite file and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from artaud.controlplane.migrations import MIGRATIONS, applied, migrate
from artaud.controlplane.model import make_cinema
from artaud.controlplane.store import DuplicateCinema


def test_migrations_are_recorded_and_reversible(cp):
    assert applied(cp.engine) == [m.version for m in MIGRATIONS]
    assert cp.migrate() == []
    migrate(cp.engine, target=1)
    assert not inspect(cp.engine).has_table("key_versions")
    assert applied(cp.engine) == [1]
    versions = [m.version for m in MIGRATIONS]
    assert cp.migrate() == versions[1:]
    assert inspect(cp.engine).has_table("partner_keys") and inspect(cp.engine).has_table("audit_log")
    assert inspect(cp.engine).has_table("partner_sync")
    # migration 6 on tables made before it (its down left them so): the columns are added
    migrate(cp.engine, target=5)
    assert "key_version" not in {c["name"] for c in inspect(cp.engine).get_columns("exports")}
    assert cp.migrate() == [v for v in versions if v >= 6]
    assert {"key_version", "withdrawn_at"} <= {c["name"] for c in inspect(cp.engine).get_columns("exports")}
    assert "expires_at" in {c["name"] for c in inspect(cp.engine).get_columns("partner_keys")}
    # migration 7: the distributors' campaigns, down and up again
    assert migrate(cp.engine, target=6) == [-v for v in reversed(versions) if v >= 7]
    assert not inspect(cp.engine).has_table("campaigns") and inspect(cp.engine).has_table("exports")
    assert cp.migrate() == [v for v in versions if v >= 7]
    assert inspect(cp.engine).has_table("campaigns")
    # migration 9: the ledger, with its triggers, down and up again
    assert migrate(cp.engine, target=8) == [-v for v in reversed(versions) if v >= 9]
    assert not inspect(cp.engine).has_table("ledger_transfers")
    assert cp.migrate() == [v for v in versions if v >= 9]
    # migration 10: the cinemas' bank details
    assert migrate(cp.engine, target=9) == [-v for v in reversed(versions) if v >= 10]
    assert not inspect(cp.engine).has_table("bank_accounts")
    assert cp.migrate() == [v for v in versions if v >= 10] and inspect(cp.engine).has_table("bank_accounts")
    # migration 11: the console's accounts
    assert migrate(cp.engine, target=10) == [-v for v in reversed(versions) if v >= 11]
    assert not inspect(cp.engine).has_table("console_users")
    assert cp.migrate() == [v for v in versions if v >= 11] and inspect(cp.engine).has_table("console_audit")


def test_register_list_and_suspend(cp):
    saved = cp.add_cinema(
        make_cinema(
            cnc_id="750012",
            name="Le Champo",
            town="Paris",
            category="A",
            labels="RD,PR",
            domains="lechampo.example",
        )
    )
    assert saved.id is not None
    [c] = cp.cinemas()
    assert (c.cnc_id, c.labels, c.domains, c.status) == (
        "0750012",
        ("PR", "RD"),
        ("lechampo.example",),
        "active",
    )
    assert cp.set_status("750012", "suspended") and cp.cinema_by_cnc("0750012").status == "suspended"  # type: ignore[union-attr]
    assert not cp.set_status("999", "active")
    with pytest.raises(DuplicateCinema):
        cp.add_cinema(make_cinema(cnc_id="750012", name="Doublon", town="", category="A"))


def test_batch_insert_is_all_or_nothing(cp):
    ok = make_cinema(cnc_id="1", name="A", town="", category="A")
    dup = make_cinema(cnc_id="2", name="B", town="", category="B")
    with pytest.raises(DuplicateCinema):
        cp.add_cinemas([ok, dup, make_cinema(cnc_id="2", name="B2", town="", category="B")])
    assert cp.count_cinemas() == 0
    assert len(cp.add_cinemas([ok, dup])) == 2


def test_key_metadata(cp):
    cp.sync_key_versions([("pooled-visitor", 1, "2026-01-01T00:00:00+00:00", None, False)])
    cp.sync_key_versions(
        [
            ("pooled-visitor", 1, "2026-01-01T00:00:00+00:00", "2026-02-01", True),
            ("pooled-visitor", 2, "2026-01-15T00:00:00+00:00", None, False),
        ]
    )
    assert cp.key_versions() == [("pooled-visitor", 1, True), ("pooled-visitor", 2, False)]
