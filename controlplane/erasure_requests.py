"""The register of erasure requests (GDPR art. 17): each request the SCARE receives, from whom and by
which channel, when, and what became of it (received → done, or failed with a French reason), so the
console can show each one against the legal deadline of one month (art. 12(3)).

The register never keeps the pooled pseudonym itself: the warehouse's suppression list is what must
hold it (to keep the person out of every later build, export and collection), and one list of erased
people is enough. The register keeps `visitor_digest`, a plain SHA-256 of the pseudonym under a
domain-separation prefix, only to find a repeated request for the same person. Plain, not keyed: the
pooled pseudonym is already a keyed hash of the browser's id (collector/pseudonym.py) with at least
128 bits of the pooled key's output, so no dictionary of pseudonyms can be built without that key; a
key here would add a secret to manage, rotate and destroy, and a destroyed key would silently stop
duplicates from being found. The prefix keeps the digest from matching any other SHA-256 of the
pseudonym the product might compute.

`ErasureRequests` works on any SQLAlchemy engine of the control plane (SQLite, in memory too, or
PostgreSQL); the clock is passed in by the caller.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from artaud.controlplane import schema
from artaud.errors import NotFound

CHANNELS = ("console", "cli", "api", "visitor")  # visitor: their own page (rights/)
STATUSES = ("received", "done", "failed")
_PREFIX = b"artaud erasure request\x00"


class UnknownErasureRequest(NotFound):
    code = "unknown_erasure_request"


def visitor_digest(visitor: str) -> str:
    """What the register keeps of the pseudonym (see the module's docstring)."""
    return hashlib.sha256(_PREFIX + visitor.encode()).hexdigest()


def new_request_id() -> str:
    """A random, printable id: "ER-" and 16 base32 characters (80 bits)."""
    return "ER-" + base64.b32encode(secrets.token_bytes(10)).decode()


@dataclass(frozen=True)
class ErasureRequest:
    id: str
    received_at: datetime
    channel: str
    requested_by: str
    visitor_digest: str
    status: str  # received | done | failed
    reason: str = ""  # French, when failed
    completed_at: datetime | None = None
    done: dict[str, int] = field(default_factory=dict)  # what was done: step → count


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _request(m: Any) -> ErasureRequest:
    received = _utc(m["received_at"])
    assert received is not None
    return ErasureRequest(
        id=m["id"],
        received_at=received,
        channel=m["channel"],
        requested_by=m["requested_by"],
        visitor_digest=m["visitor_digest"],
        status=m["status"],
        reason=m["reason"] or "",
        completed_at=_utc(m["completed_at"]),
        done={str(k): int(v) for k, v in json.loads(m["done"] or "{}").items()},
    )


class ErasureRequests:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def receive(self, visitor: str, channel: str, requested_by: str, now: datetime) -> ErasureRequest:
        """Record a request as received (committed before anything is erased)."""
        if channel not in CHANNELS:
            raise ValueError(f"channel: one of {', '.join(CHANNELS)}")
        made = ErasureRequest(
            id=new_request_id(),
            received_at=now,
            channel=channel,
            requested_by=requested_by[:200],
            visitor_digest=visitor_digest(visitor),
            status="received",
        )
        with self.engine.begin() as conn:
            conn.execute(
                schema.erasure_requests.insert().values(
                    id=made.id,
                    received_at=made.received_at,
                    channel=made.channel,
                    requested_by=made.requested_by,
                    visitor_digest=made.visitor_digest,
                    status=made.status,
                    reason="",
                    completed_at=None,
                    done="{}",
                )
            )
        return made

    def _finish(self, request_id: str, now: datetime, **values: Any) -> ErasureRequest:
        t = schema.erasure_requests
        with self.engine.begin() as conn:
            changed = conn.execute(
                t.update().where(t.c.id == request_id).values(completed_at=now, **values)
            ).rowcount
        if not changed:
            raise UnknownErasureRequest(f"aucune demande d'effacement {request_id}")
        return self.get(request_id)

    def done(self, request_id: str, what: dict[str, int], now: datetime) -> ErasureRequest:
        return self._finish(request_id, now, status="done", reason="", done=json.dumps(what, sort_keys=True))

    def failed(self, request_id: str, reason: str, now: datetime) -> ErasureRequest:
        return self._finish(request_id, now, status="failed", reason=reason[:1000])

    def get(self, request_id: str) -> ErasureRequest:
        t = schema.erasure_requests
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == request_id)).first()
        if row is None:
            raise UnknownErasureRequest(f"aucune demande d'effacement {request_id}")
        return _request(row._mapping)

    def all(self, limit: int = 500) -> list[ErasureRequest]:
        """The newest first."""
        t = schema.erasure_requests
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).order_by(t.c.received_at.desc(), t.c.id).limit(limit)).all()
        return [_request(r._mapping) for r in rows]

    def for_visitor(self, visitor: str) -> list[ErasureRequest]:
        """The requests made for the same pseudonym (by its digest), the oldest first."""
        t = schema.erasure_requests
        q = select(t).where(t.c.visitor_digest == visitor_digest(visitor)).order_by(t.c.received_at, t.c.id)
        with self.engine.connect() as conn:
            return [_request(r._mapping) for r in conn.execute(q).all()]
