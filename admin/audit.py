"""The console's audit log (migration 11): every action on the console and its API, and every
account command of the CLI: who (login and role), what (method and route, or the command), on what
object (the route's parameters), when, and its outcome. No client address is kept. Readable by the
`auditor` and `admin` roles (/audit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from artaud.controlplane import schema


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    role: str
    action: str
    object: str
    outcome: int


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, actor: str, role: str, action: str, obj: str, outcome: int, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                schema.console_audit.insert().values(
                    at=now,
                    actor=actor[:64],
                    role=role[:20],
                    action=action[:80],
                    object=obj[:300],
                    outcome=outcome,
                )
            )

    def entries(self, limit: int = 200, actor: str | None = None) -> list[Entry]:
        a = schema.console_audit
        q = select(a).order_by(a.c.id.desc()).limit(limit)
        if actor:
            q = q.where(a.c.actor == actor)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [
            Entry(
                at=r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
                actor=r.actor,
                role=r.role,
                action=r.action,
                object=r.object,
                outcome=int(r.outcome),
            )
            for r in rows
        ]
