"""Retention of the control plane's logs: the console's audit log (`console_audit`) and the partners'
call log (`audit_log`) keep `privacy.audit_log_months`; ended console sessions and API tokens go once
they can no longer be used. Money records (the ledger, statements' inputs, frozen contributions) are
not here: they are kept as accounting law requires and hold no visitor's data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, or_

from artaud.controlplane import schema


def purge_logs(engine: Engine, before: datetime) -> dict[str, int]:
    """Delete the log rows written before `before`; returns the rows deleted per table."""
    done = {}
    with engine.begin() as conn:
        for table in (schema.console_audit, schema.audit_log):
            done[table.name] = int(conn.execute(delete(table).where(table.c.at < before)).rowcount)
    return done


def purge_ended_credentials(engine: Engine, oldest_live: datetime, before: datetime) -> dict[str, int]:
    """Delete console sessions ended or opened before `oldest_live` (now minus the absolute session
    life: none of them can be used again), and API tokens expired or revoked before `before` (kept as
    long as the logs that may name them by prefix)."""
    s, t = schema.console_sessions, schema.console_tokens
    with engine.begin() as conn:
        sessions = conn.execute(
            delete(s).where(or_(s.c.created_at < oldest_live, s.c.revoked_at.is_not(None)))
        ).rowcount
        tokens = conn.execute(delete(t).where(or_(t.c.expires_at < before, t.c.revoked_at < before))).rowcount
    return {"console_sessions": int(sessions), "console_tokens": int(tokens)}
