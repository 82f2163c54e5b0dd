"""API tokens for the console's JSON API (/api/v1, `Authorization: Bearer at_…`), for scripts and
the simulator: issued to an account from the command line, shown once, kept hashed, with an expiry;
a token acts with its account's role and ends when the account is reset or disabled."""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update

from artaud.admin.accounts import digest
from artaud.controlplane import schema

TOKEN = re.compile(r"at_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


def prefix_of(token: str) -> str | None:
    """The public part of a console token (`at_<prefix>_…`), or None when it is not one."""
    m = TOKEN.fullmatch(token.strip())
    return m[1] if m else None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TokenInfo:
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class TokenStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def issue(self, user_id: int, life: timedelta, now: datetime) -> str:
        prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                schema.console_tokens.insert().values(
                    prefix=prefix,
                    user_id=user_id,
                    secret_hash=digest(secret),
                    created_at=now,
                    expires_at=now + life,
                )
            )
        return f"at_{prefix}_{secret}"

    def user_of(self, token: str, now: datetime) -> int | None:
        m = TOKEN.fullmatch(token.strip())
        if m is None:
            return None
        t = schema.console_tokens
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.prefix == m[1])).first()
        if row is None or row.revoked_at is not None or now >= _utc(row.expires_at):
            return None
        if not hmac.compare_digest(row.secret_hash, digest(m[2])):
            return None
        return int(row.user_id)

    def of(self, user_id: int) -> list[TokenInfo]:
        """An account's tokens, newest first: their public prefix and dates, never the secret."""
        t = schema.console_tokens
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.prefix, t.c.created_at, t.c.expires_at, t.c.revoked_at)
                .where(t.c.user_id == user_id)
                .order_by(t.c.created_at.desc(), t.c.prefix)
            ).all()
        return [
            TokenInfo(r.prefix, _utc(r.created_at), _utc(r.expires_at), r.revoked_at and _utc(r.revoked_at))
            for r in rows
        ]

    def revoke(self, prefix: str, now: datetime) -> int | None:
        """End one token (by its prefix): the account it belonged to, or None for no such live token."""
        t = schema.console_tokens
        with self.engine.begin() as conn:
            row = conn.execute(
                select(t.c.user_id).where(t.c.prefix == prefix, t.c.revoked_at.is_(None))
            ).first()
            if row is None:
                return None
            conn.execute(update(t).where(t.c.prefix == prefix).values(revoked_at=now))
        return int(row.user_id)

    def revoke_all(self, user_id: int, now: datetime) -> int:
        t = schema.console_tokens
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t).where(t.c.user_id == user_id, t.c.revoked_at.is_(None)).values(revoked_at=now)
            )
        return int(done.rowcount)
