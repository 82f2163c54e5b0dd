"""The console's sessions (migration 11): a random token in a Secure, HttpOnly, SameSite=Strict
cookie, kept hashed; a session ends after `idle` without a request and after `absolute` in any case;
signing out ends one, "sign out everywhere" (and a reset or a disabled account) ends them all."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update

from artaud.admin.accounts import digest
from artaud.controlplane import schema

TOUCH_EVERY = timedelta(minutes=1)  # last_seen is written at most this often


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class SessionStore:
    def __init__(self, engine: Engine, idle: timedelta, absolute: timedelta) -> None:
        self.engine, self.idle, self.absolute = engine, idle, absolute

    def open(self, user_id: int, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                schema.console_sessions.insert().values(
                    id_hash=digest(token), user_id=user_id, created_at=now, last_seen_at=now
                )
            )
        return token

    def user_of(self, token: str, now: datetime) -> int | None:
        """The session's user while it lasts (and notes the request), else None."""
        s = schema.console_sessions
        key = digest(token)
        with self.engine.connect() as conn:
            row = conn.execute(select(s).where(s.c.id_hash == key)).first()
        if row is None or row.revoked_at is not None:
            return None
        created, seen = _utc(row.created_at), _utc(row.last_seen_at)
        if now - seen >= self.idle or now - created >= self.absolute:
            return None
        if now - seen >= TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(update(s).where(s.c.id_hash == key).values(last_seen_at=now))
        return int(row.user_id)

    def close(self, token: str, now: datetime) -> None:
        s = schema.console_sessions
        with self.engine.begin() as conn:
            conn.execute(
                update(s).where(s.c.id_hash == digest(token), s.c.revoked_at.is_(None)).values(revoked_at=now)
            )

    def close_all(self, user_id: int, now: datetime) -> int:
        s = schema.console_sessions
        with self.engine.begin() as conn:
            done = conn.execute(
                update(s).where(s.c.user_id == user_id, s.c.revoked_at.is_(None)).values(revoked_at=now)
            )
        return int(done.rowcount)
