"""Partner exports: a published segment's members whose consent covers that partner, as that
partner's pseudonyms, with a signed manifest, an expiry, and deltas against the previous export.

Creating an export writes its list once (`export_lists`, in ClickHouse): each member's partner
pseudonym, computed under the partner key version of that moment, beside the pooled pseudonym that
stays inside. A list is served sorted by the partner's own pseudonym, in pages with sealed cursors:
nothing a partner receives (order, cursor, id) is derived from the pooled pseudonym, so two partners'
lists cannot be lined up by position, and a list served again is the very list that was signed.

The guards (docs/threat-model.md) judge what the partner can learn anew: the members the new list
adds to everything it received in the window (`partners.window_days`, expired exports included), on
their own, none or at least k; and the new list against each of its live lists of other segments
(their intersection and differences, none or at least k). Removals always flow: a withdrawn or
erased person leaves the partner's next delta, whichever of its lists they were in, without a
cause. After a partner-key rotation, the exports under the old version are withdrawn and the next
export of a segment replaces the previous list: its delta removes every old pseudonym.
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

from artaud.errors import ArtaudError
from artaud.partners import cursor as cursors
from artaud.partners.manifest import canonical, sign
from artaud.partners.pseudonym_sql import NO_QUERY_LOG, pseudonym_sql
from artaud.partners.records import ApiKey, ExportRecord, Partner
from artaud.partners.store import PartnerStore
from artaud.segments.catalog import CatalogEntry, latest
from artaud.segments.guards import GuardPolicy, Refusal, SegmentStats, additions, overlap, refusals
from artaud.segments.rules import exportable_sql
from artaud.warehouse.backend import Warehouse
from artaud.warehouse.sql import integer, quote, quote_list, to_date

CHUNK = 50_000
MAX_PAGE = 1_000_000
MANIFEST_VERSION = 2


class ExportRefused(ArtaudError):
    """A refused call: `code` for the partner (who reads only the code's fixed wording, with no figure:
    partners/disclosure.py), `detail` for the SCARE's staff and logs (exact figures allowed)."""

    code = "export_refused"
    status = 409

    def __init__(self, status: int, code: str, detail: str = "") -> None:
        super().__init__(detail or code, code=code, status=status)

    @property
    def detail(self) -> str:
        return self.message

    @classmethod
    def guard(cls, refusal: Refusal) -> ExportRefused:
        return cls(409, refusal.code, refusal.detail)


@dataclass(frozen=True)
class PartnerKey:
    version: int
    secret: bytes


class ExportService:
    def __init__(
        self,
        wh: Warehouse,
        store: PartnerStore,
        partner_key: Callable[[str], PartnerKey],
        signing_key: Ed25519PrivateKey,
        cursor_key: bytes,
        policy: GuardPolicy,
        iab: Callable[[str], tuple[int, ...]] = lambda segment_id: (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        window_days: int = 90,
    ) -> None:
        self.wh = wh
        self.store = store
        self.partner_key = partner_key
        self.signing_key = signing_key
        self.cursor_key = cursor_key
        self.policy = policy
        self.iab = iab
        self.clock = clock
        self.window = timedelta(days=window_days)

    # -- what a partner may see ---------------------------------------------------
    def listing(self, partner: Partner, key: ApiKey) -> list[tuple[CatalogEntry, int]]:
        """The segments the partner sees, each with the size it may be told: the published segments
        in the key's scope whose latest build published this partner's view (segments/builder.py).
        A segment it could not be told a size of is absent: it learns nothing of it."""
        entries = {
            e.build_id + "\x1f" + e.key: e
            for e in latest(self.wh)
            if e.published and key.allows_segment(e.key)
        }
        if not entries:
            return []
        builds = quote_list(sorted({e.build_id for e in entries.values()}))
        rows = self.wh.query(
            f"SELECT build_id, segment_key, published_size FROM {self.wh.database}.partner_views "
            f"WHERE partner_slug = {quote(partner.slug)} AND build_id IN ({builds}) AND published = 1"
        )
        sizes = {str(b) + "\x1f" + str(k): int(n) for b, k, n in rows}
        return [
            (e, sizes[ref]) for ref, e in sorted(entries.items(), key=lambda kv: kv[1].key) if ref in sizes
        ]

    def _consented(self, entry: CatalogEntry, slug: str) -> str:
        """SQL condition: the members of the entry's key an export to this partner holds (the same
        rows its listed size counted: segments/rules.py)."""
        return f"segment_key = {quote(entry.key)} AND " + exportable_sql(
            self.wh.database, entry.build_id, slug
        )

    def _list(self, export_ids: list[str], column: str = "visitor") -> str:
        ids = quote_list(export_ids) or quote("")
        return f"SELECT {column} FROM {self.wh.database}.export_lists WHERE export_id IN ({ids})"

    # -- creating an export -------------------------------------------------------
    def create(self, partner: Partner, key: ApiKey, segment_key: str) -> ExportRecord:
        if not key.allows_segment(segment_key):
            raise ExportRefused(403, "out_of_scope", f"this key may not export {segment_key!r}")
        entry = next((e for e in latest(self.wh) if e.key == segment_key), None)
        if entry is None:
            raise ExportRefused(404, "unknown_segment", f"no segment {segment_key!r}")
        if not entry.published:
            raise ExportRefused(409, "not_published", entry.refusal)
        db, slug = self.wh.database, partner.slug
        cond = self._consented(entry, slug)
        # the list's size and each cinema's share of it (1/n per member seen at n cinemas) in one read
        [(members, (cinemas, shares))] = self.wh.query(
            f"SELECT count(), sumMap(cinemas, arrayMap(c -> 1 / length(cinemas), cinemas)) "
            f"FROM {db}.segment_members WHERE {cond}"
        )
        members = int(members)
        contrib = {int(c): float(v) for c, v in zip(cinemas, shares, strict=True) if float(v) > 0}
        reasons = refusals(SegmentStats(segment_key, members, contrib), self.policy, partner.min_audience)
        if reasons:
            raise ExportRefused.guard(reasons[0])
        now = self.clock().replace(microsecond=0)
        pkey = self.partner_key(slug)
        withdrawn = self.store.withdraw_exports(slug, pkey.version, now)  # lists under older keys
        received = self.store.exports_since(slug, now - self.window)
        previous = self.store.last_export(slug, segment_key)
        replaces = previous is not None and (previous.key_version != pkey.version or previous.id in withdrawn)
        # what the partner can learn anew: additions to everything it received in the window, alone
        [(added_anew,)] = self.wh.query(
            f"SELECT count() FROM {db}.segment_members WHERE {cond} "
            f"AND visitor NOT IN ({self._list([e.id for e in received])})"
        )
        refusal = additions(int(added_anew), bool(received), self.policy, partner.min_audience)
        if refusal:
            raise ExportRefused.guard(refusal)
        others = [e for e in self.store.live_exports(slug, now) if e.segment_key != segment_key]
        if others:  # people who withdrew or were erased leave every list anyway: they are not counted
            rows = self.wh.query(
                f"SELECT export_id, count(), countIf(visitor IN (SELECT visitor FROM {db}.segment_members "
                f"WHERE {cond})) FROM {db}.export_lists WHERE export_id IN "
                f"({quote_list(e.id for e in others)}) "
                f"AND visitor NOT IN (SELECT visitor FROM {db}.suppressions) GROUP BY export_id"
            )
            for _, size, shared in rows:
                refusal = overlap(members, int(size), int(shared), self.policy, partner.min_audience)
                if refusal:
                    raise ExportRefused.guard(refusal)
        export_id = "ex_" + now.strftime("%Y%m%d") + "_" + secrets.token_hex(6)
        day = to_date(now.date())
        self.wh.execute(
            f"INSERT INTO {db}.export_lists "
            f"(created_on, partner_slug, export_id, visitor, pseudonym, credible, cinemas) "
            f"SELECT {day}, {quote(slug)}, {quote(export_id)}, visitor, "
            f"{pseudonym_sql(pkey.secret, 'visitor')}, credible, cinemas FROM {db}.segment_members WHERE {cond}"
            + NO_QUERY_LOG
        )
        self._queue_removals(slug, export_id, [e.id for e in received], day)
        added, removed = self._delta_counts(export_id, previous.id if previous else None, replaces)
        digest = hashlib.sha256()
        for p in self.stream(export_id, "members"):
            digest.update(p.encode() + b"\n")
        # no export outlives its list (export records are kept for the window: segments/catalog.py)
        expires = now + min(timedelta(days=partner.export_ttl_days), self.window)
        manifest: dict[str, Any] = {
            "format_version": MANIFEST_VERSION,
            "export_id": export_id,
            "partner": slug,
            "partner_key_version": pkey.version,
            "segment": segment_key,
            "segment_version": entry.segment_version,
            "build_id": entry.build_id,
            "iab_audience_taxonomy": list(self.iab(entry.segment_id)),
            "created_at": now.isoformat(),
            "expires_at": expires.isoformat(),
            "members": members,
            "added": added,
            "removed": removed,
            "previous_export_id": previous.id if previous else None,
            "replaces_previous": replaces,
            "members_sha256": digest.hexdigest(),
        }
        record = ExportRecord(
            id=export_id,
            partner_slug=slug,
            segment_key=segment_key,
            build_id=entry.build_id,
            previous_id=previous.id if previous else None,
            members=members,
            added=added,
            removed=removed,
            created_at=now,
            expires_at=expires,
            manifest=canonical(manifest).decode(),
            signature=sign(manifest, self.signing_key),
            key_version=pkey.version,
        )
        self.store.add_export(record)
        return record

    def _queue_removals(self, slug: str, export_id: str, received: list[str], day: str) -> None:
        """The partner's pseudonyms of people who withdrew or were erased since they reached it, in
        any list of the window, not delivered yet: delivered with this export's removals."""
        db = self.wh.database
        delivered = f"SELECT pseudonym FROM {db}.export_removals WHERE partner_slug = {quote(slug)} AND export_id != ''"
        suppressed = (
            f"SELECT pseudonym FROM {db}.export_lists WHERE export_id IN "
            f"({quote_list(received) or quote('')}) "
            f"AND visitor IN (SELECT visitor FROM {db}.suppressions)"
        )
        erased = f"SELECT pseudonym FROM {db}.export_removals WHERE partner_slug = {quote(slug)} AND export_id = ''"
        self.wh.execute(
            f"INSERT INTO {db}.export_removals (created_on, partner_slug, export_id, pseudonym) "
            f"SELECT {day}, {quote(slug)}, {quote(export_id)}, pseudonym FROM "
            f"(SELECT DISTINCT pseudonym FROM ({suppressed} UNION ALL {erased})) "
            f"WHERE pseudonym NOT IN ({delivered})"
        )

    def deletions(self, partner: Partner) -> list[str]:
        """Every pseudonym the partner received in the window whose person withdrew or was erased
        since, sorted: the partner must delete them, whether or not an export of theirs is allowed
        now (a refused export does not hold a removal back). Erased people's lists are already gone:
        their pseudonyms come from the removals queued at the erasure."""
        db, slug = self.wh.database, quote(partner.slug)
        since = to_date((self.clock() - self.window).date())
        rows = self.wh.query(
            f"SELECT DISTINCT pseudonym FROM ("
            f"SELECT pseudonym FROM {db}.export_lists WHERE partner_slug = {slug} AND created_on >= {since} "
            f"AND visitor IN (SELECT visitor FROM {db}.suppressions) UNION ALL "
            f"SELECT pseudonym FROM {db}.export_removals WHERE partner_slug = {slug} AND created_on >= {since}"
            f") ORDER BY pseudonym"
        )
        return [str(r[0]) for r in rows]

    def _delta_counts(self, export_id: str, previous_id: str | None, replaces: bool) -> tuple[int, int]:
        added = self.wh.query(
            f"SELECT count() FROM ({self._select(export_id, 'added', previous_id, replaces)})"
        )
        removed = self.wh.query(
            f"SELECT count() FROM ({self._select(export_id, 'removed', previous_id, replaces)})"
        )
        return int(added[0][0]), int(removed[0][0])

    # -- serving ------------------------------------------------------------------
    def get(self, partner: Partner, key: ApiKey, export_id: str) -> ExportRecord:
        """The partner's own, unexpired, live export of a segment in the key's scope. Another
        partner's, or one of a segment this key may not read, is "not found": no hint that it exists.
        The scope holds on every call, not only when the export is made."""
        record = self.store.export(export_id)
        if (
            record is None
            or record.partner_slug != partner.slug
            or not key.allows_segment(record.segment_key)
        ):
            raise ExportRefused(404, "unknown_export", "no such export")
        if record.expires_at <= self.clock():
            raise ExportRefused(410, "expired", f"this export expired at {record.expires_at.isoformat()}")
        current = self.partner_key(partner.slug).version
        if record.withdrawn_at is None and record.key_version != current:
            # the partner's key rotated since: withdrawn now, not only at the partner's next export
            self.store.withdraw_exports(partner.slug, current, self.clock())
            record = self.store.export(export_id) or record
        if record.withdrawn_at is not None or record.key_version is None:
            raise ExportRefused(
                410, "withdrawn", "this export was withdrawn: your pseudonyms changed; make a new export"
            )
        return record

    def _select(self, export_id: str, kind: str, previous_id: str | None, replaces: bool) -> str:
        """SQL of the pseudonyms of an export's members, or of its delta, one row each."""
        db = self.wh.database
        rows = f"SELECT pseudonym FROM {db}.export_lists WHERE export_id = {{}}"
        new = rows.format(quote(export_id))
        if kind == "members" or (kind == "added" and (previous_id is None or replaces)):
            return new
        removals = f"SELECT pseudonym FROM {db}.export_removals WHERE export_id = {quote(export_id)}"
        if previous_id is None:
            return removals if kind == "removed" else new
        old = rows.format(quote(previous_id))
        if kind == "added":
            return f"{new} AND pseudonym NOT IN ({old})"
        dropped = old if replaces else f"{old} AND pseudonym NOT IN ({new})"
        return f"SELECT DISTINCT pseudonym FROM ({dropped} UNION ALL {removals})"

    def _chunk(self, record: ExportRecord, kind: str, after: str, limit: int) -> list[str]:
        sql = self._select(record.id, kind, record.previous_id, _replaces(record))
        return [
            str(r[0])
            for r in self.wh.query(
                f"SELECT pseudonym FROM ({sql}) WHERE pseudonym > {quote(after)} "
                f"ORDER BY pseudonym LIMIT {integer(limit)}"
            )
        ]

    def page(
        self, record: ExportRecord, kind: str, cursor: str | None, limit: int
    ) -> tuple[Iterator[str], str | None]:
        """Up to `limit` partner pseudonyms after `cursor` (as an iterator, fetched in chunks), and the
        cursor of the next page (None on the last page), known before the first byte is sent."""
        after = cursors.open_(self.cursor_key, record.id, kind, cursor) if cursor else ""
        sql = self._select(record.id, kind, record.previous_id, _replaces(record))
        edge = self.wh.query(
            f"SELECT pseudonym FROM ({sql}) WHERE pseudonym > {quote(after)} "
            f"ORDER BY pseudonym LIMIT 2 OFFSET {integer(int(limit) - 1)}"
        )
        next_cursor = (
            cursors.seal(self.cursor_key, record.id, kind, str(edge[0][0])) if len(edge) == 2 else None
        )

        def gen() -> Iterator[str]:
            last, served = after, 0
            while served < limit:
                want = min(CHUNK, limit - served)
                rows = self._chunk(record, kind, last, want)
                yield from rows
                served += len(rows)
                if len(rows) < want:
                    return
                last = rows[-1]

        return gen(), next_cursor

    def stream(self, export_id: str, kind: str) -> Iterator[str]:
        """Every partner pseudonym of an export (or of its delta), in order."""
        record = self.store.export(export_id)
        probe = record or ExportRecord(
            export_id, "", "", "", None, 0, 0, 0, self.clock(), self.clock(), "{}", "", key_version=0
        )
        last = ""
        while True:
            rows = self._chunk(probe, kind, last, CHUNK)
            yield from rows
            if len(rows) < CHUNK:
                return
            last = rows[-1]


def _replaces(record: ExportRecord) -> bool:
    return bool(json.loads(record.manifest).get("replaces_previous", False))


def manifest_of(record: ExportRecord) -> dict[str, Any]:
    return dict(json.loads(record.manifest))
