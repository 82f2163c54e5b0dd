"""The partners' records in the control plane's database (tables: controlplane/schema.py): accounts and
policies, API keys (hashes only), exports, the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from artaud.controlplane import schema
from artaud.partners.records import (
    SLUG,
    ApiKey,
    ExportRecord,
    InvalidPartner,
    Partner,
    PartnerError,
    key_problems,
)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class PartnerStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- accounts -----------------------------------------------------------------
    def add(
        self, slug: str, name: str, min_audience: int = 0, rate_per_minute: int = 60, ttl_days: int = 30
    ) -> Partner:
        problems = {}
        if not SLUG.match(slug):
            problems["slug"] = "1 to 63 lower-case letters, digits, _ or -"
        if not name.strip():
            problems["name"] = "required"
        elif len(name.strip()) > 200:
            problems["name"] = "at most 200 characters"
        if not 0 <= min_audience <= 10_000_000:
            problems["min_audience"] = "0 to 10,000,000"
        if not 1 <= rate_per_minute <= 100_000:
            problems["rate_per_minute"] = "1 to 100,000"
        if not 1 <= ttl_days <= 365:
            problems["export_ttl_days"] = "1 to 365"
        if problems:
            raise InvalidPartner(problems)
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    schema.partners.insert().values(
                        slug=slug, name=name.strip(), status="active", created_at=now
                    )
                )
                conn.execute(
                    schema.partner_policies.insert().values(
                        partner_slug=slug,
                        min_audience=min_audience,
                        rate_per_minute=rate_per_minute,
                        export_ttl_days=ttl_days,
                    )
                )
        except IntegrityError:
            raise InvalidPartner({"slug": f"a partner {slug!r} already exists"}) from None
        return Partner(slug, name.strip(), "active", min_audience, rate_per_minute, ttl_days)

    def get(self, slug: str) -> Partner | None:
        p, pol = schema.partners, schema.partner_policies
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    p.c.slug,
                    p.c.name,
                    p.c.status,
                    pol.c.min_audience,
                    pol.c.rate_per_minute,
                    pol.c.export_ttl_days,
                )
                .select_from(p.outerjoin(pol, pol.c.partner_slug == p.c.slug))
                .where(p.c.slug == slug)
            ).first()
        if row is None:
            return None
        return Partner(row[0], row[1], row[2], row[3] or 0, row[4] or 60, row[5] or 30)

    def all(self) -> list[Partner]:
        with self.engine.connect() as conn:
            slugs = [
                r[0] for r in conn.execute(select(schema.partners.c.slug).order_by(schema.partners.c.slug))
            ]
        return [p for p in (self.get(s) for s in slugs) if p is not None]

    def set_status(self, slug: str, status: str) -> None:
        with self.engine.begin() as conn:
            res = conn.execute(
                update(schema.partners).where(schema.partners.c.slug == slug).values(status=status)
            )
        if res.rowcount == 0:
            raise PartnerError(f"no partner {slug!r}")

    # -- partner ID sync ----------------------------------------------------------
    def set_sync_url(self, slug: str, url: str | None) -> None:
        """Register (or, with None, remove) the partner's sync URL, as checked by
        `collector.idsync.check_sync_url` (a template with {xid} once)."""
        if self.get(slug) is None:
            raise PartnerError(f"no partner {slug!r}")
        t = schema.partner_sync
        with self.engine.begin() as conn:
            conn.execute(t.delete().where(t.c.partner_slug == slug))
            if url is not None:
                conn.execute(t.insert().values(partner_slug=slug, url=url, updated_at=datetime.now(UTC)))

    def sync_url(self, slug: str) -> str | None:
        registered = self.sync_registration(slug)
        return None if registered is None else registered[0]

    def sync_registration(self, slug: str) -> tuple[str, datetime] | None:
        """The partner's sync URL and when it was registered, or None."""
        t = schema.partner_sync
        with self.engine.connect() as conn:
            row = conn.execute(select(t.c.url, t.c.updated_at).where(t.c.partner_slug == slug)).first()
        return None if row is None else (str(row[0]), _utc(row[1]) or datetime.now(UTC))

    def sync_urls(self) -> list[tuple[str, str]]:
        """(partner, sync URL) of the active partners (a suspended partner gets no sync)."""
        t, p = schema.partner_sync, schema.partners
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.partner_slug, t.c.url)
                .select_from(t.join(p, p.c.slug == t.c.partner_slug))
                .where(p.c.status == "active")
                .order_by(t.c.partner_slug)
            ).all()
        return [(str(r[0]), str(r[1])) for r in rows]

    # -- API keys -----------------------------------------------------------------
    def add_key(
        self,
        slug: str,
        prefix: str,
        secret_hash: str,
        segments: tuple[str, ...],
        formats: tuple[str, ...],
        expires_at: datetime | None = None,
    ) -> None:
        if self.get(slug) is None:
            raise PartnerError(f"no partner {slug!r}")
        problems = key_problems(segments, formats, expires_at, datetime.now(UTC))
        if problems:
            raise InvalidPartner(problems)
        with self.engine.begin() as conn:
            conn.execute(
                schema.partner_keys.insert().values(
                    prefix=prefix,
                    partner_slug=slug,
                    secret_hash=secret_hash,
                    segments=",".join(segments),
                    formats=",".join(formats),
                    created_at=datetime.now(UTC),
                    revoked_at=None,
                    expires_at=expires_at,
                )
            )

    def key(self, prefix: str) -> ApiKey | None:
        k = schema.partner_keys
        with self.engine.connect() as conn:
            row = conn.execute(select(k).where(k.c.prefix == prefix)).first()
        if row is None:
            return None
        return ApiKey(
            prefix=row.prefix,
            partner_slug=row.partner_slug,
            secret_hash=row.secret_hash,
            segments=tuple(s for s in row.segments.split(",") if s),
            formats=tuple(f for f in row.formats.split(",") if f),
            created_at=_utc(row.created_at) or datetime.now(UTC),
            revoked_at=_utc(row.revoked_at),
            expires_at=_utc(row.expires_at),
        )

    def keys(self, slug: str) -> list[ApiKey]:
        k = schema.partner_keys
        with self.engine.connect() as conn:
            prefixes = [r[0] for r in conn.execute(select(k.c.prefix).where(k.c.partner_slug == slug))]
        return [x for x in (self.key(p) for p in prefixes) if x is not None]

    def revoke_key(self, prefix: str) -> None:
        k = schema.partner_keys
        with self.engine.begin() as conn:
            res = conn.execute(
                update(k)
                .where(k.c.prefix == prefix, k.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
        if res.rowcount == 0:
            raise PartnerError(f"no active key with prefix {prefix!r}")

    # -- exports ------------------------------------------------------------------
    def add_export(self, e: ExportRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(schema.exports.insert().values(**e.__dict__))

    def export(self, export_id: str) -> ExportRecord | None:
        x = schema.exports
        with self.engine.connect() as conn:
            row = conn.execute(select(x).where(x.c.id == export_id)).first()
        return self._export(row) if row is not None else None

    def live_exports(self, slug: str, now: datetime) -> list[ExportRecord]:
        """The partner's exports that have neither expired nor been withdrawn (any segment)."""
        return [
            e
            for e in self.exports_since(slug, now - timedelta(days=3650))
            if e.expires_at > now and e.withdrawn_at is None
        ]

    def exports_since(self, slug: str, since: datetime) -> list[ExportRecord]:
        """Every export made to the partner since `since`, expired and withdrawn ones included: what
        it received and may have kept."""
        x = schema.exports
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(x)
                .where(x.c.partner_slug == slug, x.c.created_at >= since)
                .order_by(x.c.created_at, x.c.id)
            ).all()
        return [self._export(r) for r in rows]

    def last_export(self, slug: str, segment_key: str) -> ExportRecord | None:
        x = schema.exports
        with self.engine.connect() as conn:
            row = conn.execute(
                select(x)
                .where(x.c.partner_slug == slug, x.c.segment_key == segment_key)
                .order_by(x.c.created_at.desc(), x.c.id.desc())
                .limit(1)
            ).first()
        return self._export(row) if row is not None else None

    def withdraw_exports(self, slug: str, keep_version: int, now: datetime) -> list[str]:
        """Withdraw the partner's exports made under another key version (or before lists were
        stored): their pseudonyms are no longer the partner's current ones. Returns their ids."""
        x = schema.exports
        with self.engine.begin() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    select(x.c.id).where(
                        x.c.partner_slug == slug,
                        x.c.withdrawn_at.is_(None),
                        (x.c.key_version.is_(None)) | (x.c.key_version != keep_version),
                    )
                )
            ]
            if ids:
                conn.execute(update(x).where(x.c.id.in_(ids)).values(withdrawn_at=now))
        return ids

    @staticmethod
    def _export(row: object) -> ExportRecord:
        d = dict(row._mapping)  # type: ignore[attr-defined]
        d["created_at"] = _utc(d["created_at"])
        d["expires_at"] = _utc(d["expires_at"])
        d["withdrawn_at"] = _utc(d.get("withdrawn_at"))
        return ExportRecord(**d)

    # -- audit --------------------------------------------------------------------
    def audit(self, slug: str, prefix: str, method: str, path: str, status: int, detail: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(
                schema.audit_log.insert().values(
                    at=datetime.now(UTC),
                    partner_slug=slug,
                    key_prefix=prefix,
                    method=method[:8],
                    path=path[:300],
                    status=status,
                    detail=detail[:300],
                )
            )

    def audit_entries(self, limit: int = 100, slug: str | None = None) -> list[dict[str, object]]:
        a = schema.audit_log
        q = select(a).order_by(a.c.id.desc()).limit(limit)
        if slug is not None:
            q = q.where(a.c.partner_slug == slug)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def last_calls(self) -> dict[str, datetime]:
        """Each partner's last call to the API (whatever its answer), by slug."""
        a = schema.audit_log
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(a.c.partner_slug, func.max(a.c.at))
                .where(a.c.partner_slug != "")
                .group_by(a.c.partner_slug)
            ).all()
        return {str(r[0]): t for r in rows if (t := _utc(r[1])) is not None}

    def calls_since(self, slug: str, since: datetime) -> list[tuple[datetime, int]]:
        """(when, status) of the partner's calls since `since`, oldest first."""
        a = schema.audit_log
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(a.c.at, a.c.status).where(a.c.partner_slug == slug, a.c.at >= since).order_by(a.c.id)
            ).all()
        return [(_utc(r[0]) or since, int(r[1])) for r in rows]
