"""A partner's records: its account, its API keys (hashes only) and the exports it received."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from artaud.errors import InvalidFields, InvalidInput

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
FORMATS = frozenset({"csv", "json", "jsonl"})


class PartnerError(InvalidInput):
    code = "invalid_partner"


class InvalidPartner(InvalidFields, PartnerError):
    """An account's or a key's fields, each with its problem (English; the console words them in
    French: admin/partner_fr.py). `problems` maps slug, name, min_audience, rate_per_minute,
    export_ttl_days, segments, formats or expires to what is wrong with it."""

    code = "invalid_partner_fields"


def key_problems(
    segments: tuple[str, ...], formats: tuple[str, ...], expires_at: datetime | None, now: datetime
) -> dict[str, str]:
    """What is wrong with a key's scopes and expiry (empty when nothing)."""
    problems = {}
    if not segments:
        problems["segments"] = "at least one segment id, or *"
    if sorted(set(formats) - FORMATS) or not formats:
        problems["formats"] = f"among {', '.join(sorted(FORMATS))}"
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        problems["expires"] = "a moment in the future, with its time zone"
    return problems


@dataclass(frozen=True)
class Partner:
    slug: str
    name: str
    status: str
    min_audience: int
    rate_per_minute: int
    export_ttl_days: int


@dataclass(frozen=True)
class ApiKey:
    prefix: str
    partner_slug: str
    secret_hash: str
    segments: tuple[str, ...]  # ("*",) for every segment
    formats: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = None  # None: until revoked

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def allows_format(self, fmt: str) -> bool:
        # a JSON page holds what the same JSON lines hold: a key scoped to one reads the other
        json_family = {"json", "jsonl"}
        return fmt in self.formats or (fmt in json_family and bool(json_family & set(self.formats)))

    def allows_segment(self, segment_key: str) -> bool:
        return "*" in self.segments or segment_key.split("/", 1)[0] in self.segments


@dataclass(frozen=True)
class ExportRecord:
    id: str
    partner_slug: str
    segment_key: str
    build_id: str
    previous_id: str | None
    members: int
    added: int
    removed: int
    created_at: datetime
    expires_at: datetime
    manifest: str
    signature: str
    key_version: int | None = None  # None: made before lists were stored with their pseudonyms
    withdrawn_at: datetime | None = None
