"""The control plane's logs and ended credentials leave on schedule, and nothing younger goes: on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from artaud.admin.audit import AuditLog
from artaud.admin.sessions import SessionStore
from artaud.admin.tokens import TokenStore
from artaud.controlplane.retention import purge_ended_credentials, purge_logs
from artaud.partners.store import PartnerStore

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def test_logs_older_than_the_cutoff_go_and_younger_ones_stay(cp) -> None:
    audit = AuditLog(cp.engine)
    for days in (400, 366, 364, 1):
        audit.record("anne", "admin", "GET /", f"{days} days ago", 200, NOW - timedelta(days=days))
    PartnerStore(cp.engine).audit("agence", "abcd1234", "GET", "/v1/segments", 200)  # now
    done = purge_logs(cp.engine, NOW - timedelta(days=365))
    assert done == {"console_audit": 2, "audit_log": 0}
    assert sorted(e.object for e in audit.entries()) == ["1 days ago", "364 days ago"]
    assert len(PartnerStore(cp.engine).audit_entries()) == 1
    assert purge_logs(cp.engine, datetime.now(UTC) + timedelta(seconds=5))["audit_log"] == 1


def test_ended_sessions_and_old_ended_tokens_go(cp) -> None:
    sessions, tokens = (
        SessionStore(cp.engine, timedelta(minutes=30), timedelta(hours=12)),
        TokenStore(cp.engine),
    )
    live = sessions.open(1, NOW - timedelta(minutes=10))
    sessions.open(1, NOW - timedelta(hours=13))  # past the absolute life
    sessions.close(sessions.open(1, NOW - timedelta(minutes=5)), NOW)  # signed out
    kept = tokens.issue(1, timedelta(days=30), NOW - timedelta(days=1))
    tokens.issue(1, timedelta(days=1), NOW - timedelta(days=500))  # expired long ago
    recent = tokens.issue(1, timedelta(days=30), NOW - timedelta(days=2))
    tokens.revoke(recent.split("_")[1], NOW - timedelta(days=1))  # revoked yesterday: still named
    done = purge_ended_credentials(cp.engine, NOW - timedelta(hours=12), NOW - timedelta(days=365))
    assert done == {"console_sessions": 2, "console_tokens": 1}
    assert sessions.user_of(live, NOW) == 1
    assert {t.prefix for t in tokens.of(1)} == {kept.split("_")[1], recent.split("_")[1]}
