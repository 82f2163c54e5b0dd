"""Partner exports: a published segment's members whose consent covers that partner, as that
partner's pseudonyms, with a signed manifest, an expiry, and deltas against the previous export.

Creating an export fixes its membership (`export_members`, in ClickHouse); serving it maps each
pooled pseudonym to the partner's pseudonym on the fly, in pages ordered by pooled pseudonym, so
memory stays flat whatever the size.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from controlplane.partner_store import ApiKey, ExportRecord, Partner, PartnerStore
from partners import cursor as cursors
from partners.manifest import canonical, sign
from partners.pseudonyms import partner_pseudonym
from segments.catalog import CatalogEntry, latest
from segments.guards import GuardPolicy, SegmentStats, differencing, refusals
from warehouse.backend import Warehouse
from warehouse.loader import sql_str

CHUNK = 50_000
MAX_PAGE = 1_000_000


class ExportRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Page:
    pseudonyms: list[str]
    next_cursor: str | None


class ExportService:
    def __init__(
        self,
        wh: Warehouse,
        store: PartnerStore,
        partner_key: Callable[[str], bytes],
        signing_key: Ed25519PrivateKey,
        cursor_key: bytes,
        policy: GuardPolicy,
        iab: Callable[[str], tuple[int, ...]] = lambda segment_id: (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.wh = wh
        self.store = store
        self.partner_key = partner_key
        self.signing_key = signing_key
        self.cursor_key = cursor_key
        self.policy = policy
        self.iab = iab
        self.clock = clock

    # -- what a partner may see ---------------------------------------------------
    def segments(self, key: ApiKey) -> list[CatalogEntry]:
        return [e for e in latest(self.wh) if e.published and key.allows_segment(e.key)]

    def _consented(self, entry: CatalogEntry, slug: str) -> str:
        """SQL condition: members of the entry's build consenting to this partner, not suppressed since."""
        db, b = self.wh.database, sql_str(entry.build_id)
        return (
            f"build_id = {b} AND segment_key = {sql_str(entry.key)} "
            f"AND visitor IN (SELECT visitor FROM {db}.segment_visitors WHERE build_id = {b} "
            f"AND has(splitByChar(',', purposes), {sql_str('partner:' + slug)})) "
            f"AND visitor NOT IN (SELECT visitor FROM {db}.suppressions)"
        )

    # -- creating an export -------------------------------------------------------
    def create(self, partner: Partner, key: ApiKey, segment_key: str) -> ExportRecord:
        if not key.allows_segment(segment_key):
            raise ExportRefused(403, f"out_of_scope: this key may not export {segment_key!r}")
        entry = next((e for e in latest(self.wh) if e.key == segment_key), None)
        if entry is None:
            raise ExportRefused(404, f"unknown_segment: no segment {segment_key!r}")
        if not entry.published:
            raise ExportRefused(409, f"not_published: {entry.refusal}")
        db = self.wh.database
        cond = self._consented(entry, partner.slug)
        # the size and each cinema's share (1/n per member seen at n cinemas) in one read of the build
        [(members, (cinemas, shares))] = self.wh.query(
            f"SELECT count(), sumMap(cinemas, arrayMap(c -> 1 / length(cinemas), cinemas)) "
            f"FROM {db}.segment_members WHERE {cond}"
        )
        contrib = {int(c): float(v) for c, v in zip(cinemas, shares, strict=True)}
        reasons = refusals(
            SegmentStats(segment_key, int(members), contrib), self.policy, partner.min_audience
        )
        if reasons:
            raise ExportRefused(409, "; ".join(reasons))
        previous = self.store.last_export(partner.slug, segment_key)
        added, removed = int(members), 0
        if previous is not None:
            prev = f"SELECT visitor FROM {db}.export_members WHERE export_id = {sql_str(previous.id)}"
            [(added,)] = self.wh.query(
                f"SELECT count() FROM {db}.segment_members WHERE {cond} AND visitor NOT IN ({prev})"
            )
            [(removed,)] = self.wh.query(
                f"SELECT count() FROM {db}.export_members WHERE export_id = {sql_str(previous.id)} "
                f"AND visitor NOT IN (SELECT visitor FROM {db}.segment_members WHERE {cond})"
            )
        now = self.clock().replace(microsecond=0)
        self._check_differencing(partner, cond, int(members), now)
        export_id = "ex_" + now.strftime("%Y%m%d") + "_" + secrets.token_hex(6)
        self.wh.execute(
            f"INSERT INTO {db}.export_members (created_on, export_id, visitor) "
            f"SELECT toDate({sql_str(now.date().isoformat())}), {sql_str(export_id)}, visitor "
            f"FROM {db}.segment_members WHERE {cond}"
        )
        digest = hashlib.sha256()
        for p in self.stream(export_id, partner.slug, "members"):
            digest.update(p.encode() + b"\n")
        expires = now + timedelta(days=partner.export_ttl_days)
        manifest: dict[str, Any] = {
            "format_version": 1,
            "export_id": export_id,
            "partner": partner.slug,
            "segment": segment_key,
            "segment_version": entry.segment_version,
            "build_id": entry.build_id,
            "iab_audience_taxonomy": list(self.iab(entry.segment_id)),
            "created_at": now.isoformat(),
            "expires_at": expires.isoformat(),
            "members": int(members),
            "added": int(added),
            "removed": int(removed),
            "previous_export_id": previous.id if previous else None,
            "members_sha256": digest.hexdigest(),
        }
        record = ExportRecord(
            id=export_id,
            partner_slug=partner.slug,
            segment_key=segment_key,
            build_id=entry.build_id,
            previous_id=previous.id if previous else None,
            members=int(members),
            added=int(added),
            removed=int(removed),
            created_at=now,
            expires_at=expires,
            manifest=canonical(manifest).decode(),
            signature=sign(manifest, self.signing_key),
        )
        self.store.add_export(record)
        return record

    def _check_differencing(self, partner: Partner, cond: str, members: int, now: datetime) -> None:
        """Refuse when the new membership differs from any live export to this partner (of any
        segment) by fewer than k visitors, but by some: comparing the two would single them out."""
        live = self.store.live_exports(partner.slug, now)
        if not live:
            return
        db = self.wh.database
        ids = ", ".join(sql_str(e.id) for e in live)
        rows = self.wh.query(
            f"SELECT export_id, count(), countIf(visitor NOT IN (SELECT visitor FROM {db}.segment_members "
            f"WHERE {cond})) FROM {db}.export_members WHERE export_id IN ({ids}) GROUP BY export_id"
        )
        for export_id, size, removed in rows:
            added = members - (int(size) - int(removed))
            refusal = differencing(int(size), added, int(removed), self.policy, partner.min_audience)
            if refusal:
                raise ExportRefused(409, refusal.replace("the previous export", f"export {export_id}"))

    # -- serving ------------------------------------------------------------------
    def get(self, partner: Partner, key: ApiKey, export_id: str) -> ExportRecord:
        """The partner's own, unexpired export of a segment in the key's scope. Another partner's, or
        one of a segment this key may not read, is "not found": no hint that it exists. The scope
        holds on every call, not only when the export is made."""
        record = self.store.export(export_id)
        if (
            record is None
            or record.partner_slug != partner.slug
            or not key.allows_segment(record.segment_key)
        ):
            raise ExportRefused(404, "unknown_export: no such export")
        if record.expires_at <= self.clock():
            raise ExportRefused(410, f"expired: this export expired at {record.expires_at.isoformat()}")
        return record

    def _select(self, record_id: str, kind: str, previous_id: str | None) -> str:
        db = self.wh.database
        base = f"SELECT visitor FROM {db}.export_members WHERE export_id = {{}}"
        if kind == "members":
            return base.format(sql_str(record_id))
        if previous_id is None:  # a first export: everyone is added, no one removed
            return base.format(sql_str(record_id)) if kind == "added" else base.format("''") + " AND 0"
        new, old = base.format(sql_str(record_id)), base.format(sql_str(previous_id))
        if kind == "added":
            return f"{new} AND visitor NOT IN ({old})"
        return f"{old} AND visitor NOT IN ({new})"

    def _previous(self, export_id: str) -> str | None:
        record = self.store.export(export_id)
        return record.previous_id if record else None

    def _chunk(self, export_id: str, kind: str, previous_id: str | None, after: str, limit: int) -> list[str]:
        sql = self._select(export_id, kind, previous_id)
        return [
            str(r[0])
            for r in self.wh.query(
                f"{sql} AND visitor > {sql_str(after)} ORDER BY visitor LIMIT {int(limit)}"
            )
        ]

    def page(
        self, record: ExportRecord, kind: str, cursor: str | None, limit: int
    ) -> tuple[Iterator[str], str | None]:
        """Up to `limit` partner pseudonyms after `cursor` (as an iterator, fetched in chunks), and the
        cursor of the next page (None on the last page), known before the first byte is sent."""
        after = cursors.open_(self.cursor_key, record.id, kind, cursor) if cursor else ""
        sql = self._select(record.id, kind, record.previous_id)
        edge = self.wh.query(
            f"{sql} AND visitor > {sql_str(after)} ORDER BY visitor LIMIT 2 OFFSET {int(limit) - 1}"
        )
        next_cursor = (
            cursors.seal(self.cursor_key, record.id, kind, str(edge[0][0])) if len(edge) == 2 else None
        )
        key = self.partner_key(record.partner_slug)

        def gen() -> Iterator[str]:
            last, served = after, 0
            while served < limit:
                want = min(CHUNK, limit - served)
                rows = self._chunk(record.id, kind, record.previous_id, last, want)
                for visitor in rows:
                    yield partner_pseudonym(key, visitor)
                served += len(rows)
                if len(rows) < want:
                    return
                last = rows[-1]

        return gen(), next_cursor

    def stream(self, export_id: str, slug: str, kind: str) -> Iterator[str]:
        """Every partner pseudonym of an export (or of its delta), in order."""
        key = self.partner_key(slug)
        previous = self._previous(export_id)
        last = ""
        while True:
            rows = self._chunk(export_id, kind, previous, last, CHUNK)
            for visitor in rows:
                yield partner_pseudonym(key, visitor)
            if len(rows) < CHUNK:
                return
            last = rows[-1]


def manifest_of(record: ExportRecord) -> dict[str, Any]:
    return dict(json.loads(record.manifest))
