"""Retention on a controllable clock, across every boundary, on chdb and the ClickHouse server: the
scheduled job (`runtime/jobs.py` enforce_retention, and the salts' job) removes what has passed its
period and nothing else. The clock moves to just before and just after each boundary."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from artaud.admin.audit import AuditLog
from artaud.admin.sessions import SessionStore
from artaud.collector.salts import SaltStore
from artaud.config.settings import load
from artaud.controlplane.store import ControlPlane
from artaud.jobs import destroy_salts, enforce_retention
from artaud.warehouse.erasure import erase
from artaud.warehouse.migrate import migrate
from tests.warehouse.helpers import consent_proof, records


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def house(warehouse, tmp_path: Path):
    migrate(warehouse)
    cp = ControlPlane(f"sqlite:///{tmp_path / 'control.sqlite'}")
    cp.migrate()
    settings = load(env={}, overrides={"paths": {"data_dir": str(tmp_path)}})
    yield warehouse, cp, settings
    cp.close()


def count(wh, table: str, where: str = "1") -> int:
    return int(wh.query(f"SELECT count() FROM {wh.database}.{table} WHERE {where}")[0][0])


def test_every_period_ends_on_its_boundary_and_nothing_else_goes(house, tmp_path: Path) -> None:
    wh, cp, settings = house
    p = settings.privacy
    assert (p.event_retention_months, p.consent_proof_months, p.audit_log_months) == (25, 60, 12)
    assert (settings.segments.keep_days, settings.partners.window_days) == (35, 90)
    db = wh.database
    # events of Oct 2024, Nov 2024 and Nov 2026; proofs of Nov 2021, Dec 2021, Nov 2026
    for month in ("2024-10-15", "2024-11-15", "2026-11-20"):
        rows = [json.loads(r) for r in records(2, when=at(month), prefix="e" + month)]
        wh.insert_events(rows, "t" + month)
    wh.insert_consents(
        [consent_proof("2021-11-20"), consent_proof("2021-12-01"), consent_proof("2026-11-20")]
    )
    # snapshots: members built 40 and 10 days before, export lists 100 and 10 days before
    now = at("2026-11-29")
    for days in (40, 10):
        wh.insert_rows(
            "segment_members",
            ("built_on", "build_id", "segment_key", "visitor", "cinemas"),
            [((now - timedelta(days=days)).date(), f"b{days}", "art-et-essai", "p1.someone", [1])],
        )
    for days in (100, 10):
        wh.insert_rows(
            "export_lists",
            ("created_on", "partner_slug", "export_id", "visitor", "pseudonym"),
            [((now - timedelta(days=days)).date(), "agence-x", f"x{days}", "p1.someone", "q.someone")],
        )
    # an erased person whose hit raced the erasure
    erased = json.loads(records(1, when=at("2026-11-20"), prefix="raced")[0])
    erased["visitor"] = "p1.erased"
    erase(wh, "p1.erased", now)
    wh.insert_events([erased], "t-raced")
    # the control plane: audit entries 13 and 11 months old; a session past its absolute life
    audit = AuditLog(cp.engine)
    audit.record("anne", "admin", "GET /", "old", 200, at("2025-10-28"))
    audit.record("anne", "admin", "GET /", "young", 200, at("2025-12-15"))
    sessions = SessionStore(cp.engine, timedelta(minutes=30), timedelta(hours=12))
    sessions.open(1, now - timedelta(hours=13))
    live = sessions.open(1, now - timedelta(minutes=5))
    # salts of the exempt track: two days and one day old
    salts = SaltStore(tmp_path / "salts")
    for day in ("2026-11-27", "2026-11-28"):
        salts.salt_for(date.fromisoformat(day), 1)

    done = enforce_retention(settings, wh, cp, now)
    destroyed = destroy_salts(salts, settings, now)

    def monthly(table: str, column: str) -> list[str]:
        rows = wh.query(f"SELECT DISTINCT toString(toYYYYMM({column})) AS m FROM {db}.{table} ORDER BY m")
        return [str(r[0]) for r in rows]

    assert monthly("events", "event_date") == ["202411", "202611"]  # 25 months: Nov 2024 on
    assert monthly("consent_records", "record_date") == ["202112", "202611"]  # 60 months: Dec 2021 on
    assert [r[0] for r in wh.query(f"SELECT build_id FROM {db}.segment_members")] == ["b10"]
    assert [r[0] for r in wh.query(f"SELECT export_id FROM {db}.export_lists")] == ["x10"]
    assert [e.object for e in audit.entries()] == ["young"]
    assert sessions.user_of(live, now) == 1
    assert destroyed == ["sel du 27/11/2026 détruit"]
    assert any("événements de 10/2024" in line for line in done)
    assert any("preuves de consentement de 11/2021" in line for line in done)
    deadline = time.monotonic() + 30  # the sweep is a mutation, asynchronous on the server
    while count(wh, "events", "visitor = 'p1.erased'") and time.monotonic() < deadline:
        time.sleep(0.3)
    assert count(wh, "events", "visitor = 'p1.erased'") == 0
    assert count(wh, "suppressions", "visitor = 'p1.erased'") == 1  # the suppression stays

    # one month later (the service still receiving hits): the next boundary of each period
    later = at("2026-12-29")
    wh.insert_events([json.loads(r) for r in records(1, when=at("2026-12-20"), prefix="dec")], "t-dec")
    wh.insert_consents([consent_proof("2026-12-20")])
    enforce_retention(settings, wh, cp, later)
    assert monthly("events", "event_date") == ["202611", "202612"]
    assert monthly("consent_records", "record_date") == ["202611", "202612"]
    assert [e.object for e in audit.entries()] == []
    assert count(wh, "segment_members") == 0  # 35 days: built on 19/11, gone on 29/12
    assert [r[0] for r in wh.query(f"SELECT export_id FROM {db}.export_lists")] == ["x10"]  # 90 days

    # a clock years ahead of the newest row: no month of events or proofs is dropped
    before = count(wh, "events"), count(wh, "consent_records")
    ahead = enforce_retention(settings, wh, None, at("2031-06-01"))
    assert not any(line.startswith(("événements", "preuves")) for line in ahead)
    assert (count(wh, "events"), count(wh, "consent_records")) == before
