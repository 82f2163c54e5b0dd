"""The partners' pull API (versioned under /v1, described by /v1/openapi.json).

Every call is authenticated by a partner API key (`Authorization: Bearer pk_…`), rate limited per
key (the IETF `RateLimit` fields on every answer), checked against the key's scopes (segments,
formats) and expiry, and written to the audit log, refused or not. Errors are JSON
`{"error": code, "message": text}` from the closed set of partners/disclosure.py, which decides
everything a partner may learn; nothing about another partner's exports is revealed (their ids
answer "not found").
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from flask import Flask, Response, g, request

from artaud.collector.idsync import SyncUrlError
from artaud.errors import ArtaudError
from artaud.partners import disclosure
from artaud.partners import formats as fmts
from artaud.partners import keys as apikeys
from artaud.partners.activation import Activation
from artaud.partners.cursor import BadCursor
from artaud.partners.exports import MAX_PAGE, ExportService, manifest_of
from artaud.partners.manage import register_sync
from artaud.partners.manifest import public_pem
from artaud.partners.openapi import openapi
from artaud.partners.ratelimit import RateLimiter
from artaud.partners.records import ApiKey, Partner
from artaud.partners.store import PartnerStore
from artaud.warehouse.backend import WarehouseError

KINDS = ("members", "added", "removed")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
ANONYMOUS_AUDIT_PER_MINUTE = 60
PUBLIC = ("/v1/openapi.json", "/v1/signing-key")


def problem(code: str, hint: str = "", headers: dict[str, str] | None = None) -> Response:
    status, body = disclosure.error_body(code, hint)
    return Response(body, status=status, mimetype="application/json", headers=headers or {})


def _json(doc: object, status: int = 200) -> Response:
    return Response(json.dumps(doc, ensure_ascii=False), status=status, mimetype="application/json")


def utc_iso(value: datetime | str) -> str:
    """A moment as ISO 8601 with its offset (the warehouse keeps UTC without one)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def create_partner_api(
    store: PartnerStore,
    exports: ExportService,
    activation: Activation,
    limiter_for: Callable[[int], RateLimiter] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Flask:
    app = Flask("artaud.partners")
    limiters: dict[int, RateLimiter] = {}
    # calls without a valid key are audited too, but anyone can make them: at most this many rows a
    # minute, the rest counted into the next row written
    anonymous = RateLimiter(ANONYMOUS_AUDIT_PER_MINUTE, burst=ANONYMOUS_AUDIT_PER_MINUTE)
    unlogged = [0]

    def limiter(per_minute: int) -> RateLimiter:
        if per_minute not in limiters:
            limiters[per_minute] = limiter_for(per_minute) if limiter_for else RateLimiter(per_minute)
        return limiters[per_minute]

    @app.before_request
    def authenticate() -> Response | None:
        g.partner, g.key, g.quota = None, None, None
        if request.path in PUBLIC:
            return None
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        prefix = apikeys.prefix_of(token) if token else None
        challenge = {"WWW-Authenticate": 'Bearer realm="artaud partners"'}
        if not token:
            return problem("no_key", headers=challenge)
        key = store.key(prefix) if prefix else None
        if key is None or not apikeys.matches(token, key.secret_hash):
            return problem("bad_key", headers=challenge)
        g.key = key
        if key.revoked_at is not None:
            return problem("revoked_key", headers=challenge)
        if key.expired(clock()):
            return problem("expired_key", headers=challenge)
        partner = store.get(key.partner_slug)
        if partner is None or partner.status != "active":
            return problem("partner_suspended")
        g.partner = partner
        g.quota = limiter(partner.rate_per_minute).check(key.prefix)
        if g.quota.wait > 0:
            return problem("rate_limited")
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        if g.get("quota") is not None:
            response.headers.update(g.quota.headers())
        return audit(response)

    def audit(response: Response) -> Response:
        """One row per call: who (partner, key prefix), which route (its template, never the path as
        sent: a path is the caller's to write), the status and the error code. No client address."""
        key: ApiKey | None = g.get("key")
        partner: Partner | None = g.get("partner")
        route = request.url_rule.rule if request.url_rule is not None else "(no route)"
        detail = ""
        if (
            response.status_code >= 400
            and response.mimetype == "application/json"
            and not response.is_streamed
        ):
            try:
                detail = str(json.loads(response.get_data()).get("error", ""))
            except (ValueError, AttributeError):
                detail = ""
        if key is None:
            if anonymous.take("") > 0:
                unlogged[0] += 1
                return response
            if unlogged[0]:
                detail, unlogged[0] = f"{detail} (+{unlogged[0]} anonymous calls not logged)".strip(), 0
        store.audit(
            partner.slug if partner else (key.partner_slug if key else ""),
            key.prefix if key else "",
            request.method if request.method in METHODS else "OTHER",
            route,
            response.status_code,
            detail,
        )
        return response

    @app.errorhandler(404)
    def not_found(_: Exception) -> Response:
        return problem("not_found")

    @app.errorhandler(405)
    def not_allowed(exc: Exception) -> Response:
        allowed = getattr(exc, "valid_methods", None) or []
        return problem("method_not_allowed", headers={"Allow": ", ".join(sorted(allowed))} if allowed else {})

    @app.errorhandler(WarehouseError)
    def unavailable(_: WarehouseError) -> Response:
        return problem("unavailable", headers={"Retry-After": "30"})

    @app.errorhandler(ArtaudError)
    def reported(exc: ArtaudError) -> Response:
        # the partner gets the code and its fixed wording only (partners/disclosure.py); the message
        # (an ExportRefused's exact figures) is the staff's. A code the registry does not know is
        # answered by its status class, never by its message.
        if exc.code in disclosure.ERRORS:
            return problem(exc.code)
        return problem("unavailable" if exc.status >= 500 else "bad_request")

    def list_format(allowed: tuple[str, ...] = fmts.FORMATS) -> str | Response:
        try:
            fmt = fmts.choose(request.args.get("format"), request.headers.get("Accept"))
        except fmts.NotAcceptable:
            return problem("not_acceptable", f"serve one of {', '.join(fmts.MEDIA.values())}")
        except ValueError:
            return problem("bad_request", f"format: one of {', '.join(allowed)}")
        if fmt not in allowed:
            return problem("bad_request", f"format: one of {', '.join(allowed)}")
        if not g.key.allows_format(fmt):
            return problem("format_out_of_scope")
        return fmt

    def list_response(chunks: Iterator[bytes], fmt: str, headers: dict[str, str]) -> Response:
        headers = {**headers, "Cache-Control": "no-store", "Vary": "Accept, Accept-Encoding"}
        if fmts.wants_gzip(request.headers.get("Accept-Encoding")):
            chunks = fmts.gzipped(chunks)
            headers["Content-Encoding"] = "gzip"
        return Response(chunks, mimetype=fmts.MEDIA[fmt], headers=headers)

    @app.get("/v1/openapi.json")
    def spec() -> Response:
        return _json(openapi())

    @app.get("/v1/signing-key")
    def signing_key() -> Response:
        raw = exports.signing_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return _json(
            {
                "algorithm": "Ed25519",
                "public_key": base64.b64encode(raw).decode(),
                "public_key_pem": public_pem(exports.signing_key),
            }
        )

    @app.get("/v1/segments")
    def segments() -> Response:
        out: list[dict[str, Any]] = []
        for entry, size in exports.listing(g.partner, g.key):
            out.append(
                {
                    **activation.describe(entry.key),
                    "version": entry.segment_version,
                    "size": size,
                    "size_is_noisy": True,
                    "built_at": utc_iso(entry.built_at),
                }
            )
        return _json(out)

    @app.post("/v1/exports")
    def create_export() -> Response:
        doc = request.get_json(silent=True)
        if not isinstance(doc, dict) or not isinstance(doc.get("segment"), str) or not doc["segment"]:
            return problem("bad_request", 'send {"segment": "<segment key>"} as JSON')
        if len(doc["segment"]) > 220:
            return problem("bad_request", "segment: at most 220 characters")
        record = exports.create(g.partner, g.key, doc["segment"])
        return _json({"export": manifest_of(record), "signature": record.signature}, 201)

    @app.get("/v1/exports/<export_id>")
    def get_export(export_id: str) -> Response:
        record = exports.get(g.partner, g.key, export_id)
        return _json({"export": manifest_of(record), "signature": record.signature})

    @app.get("/v1/deletions")
    def deletions() -> Response:
        fmt = list_format()
        if isinstance(fmt, Response):
            return fmt
        return list_response(fmts.render(fmt, exports.deletions(g.partner)), fmt, {})

    @app.get("/v1/exports/<export_id>/<kind>")
    def export_members(export_id: str, kind: str) -> Response:
        if kind not in KINDS:
            return problem("not_found")
        fmt = list_format()
        if isinstance(fmt, Response):
            return fmt
        try:
            limit = int(request.args.get("limit", "10000"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_PAGE:
            return problem("bad_request", f"limit: an integer from 1 to {MAX_PAGE}")
        record = exports.get(g.partner, g.key, export_id)
        try:
            rows, next_cursor = exports.page(record, kind, request.args.get("cursor") or None, limit)
        except BadCursor:
            return problem("bad_cursor")
        headers = {"X-Export-Id": record.id}
        if next_cursor:
            headers["X-Next-Cursor"] = next_cursor
            headers["Link"] = f'<{request.path}?format={fmt}&limit={limit}&cursor={next_cursor}>; rel="next"'
        return list_response(fmts.render(fmt, rows, next_cursor), fmt, headers)

    @app.get("/v1/sync")
    def get_sync() -> Response:
        return _json(sync_state(g.partner))

    @app.put("/v1/sync")
    def put_sync() -> Response:
        doc = request.get_json(silent=True)
        if not isinstance(doc, dict) or not isinstance(doc.get("url"), str):
            return problem("bad_request", 'send {"url": "https://…{xid}…"} as JSON')
        try:
            register_sync(store, g.partner.slug, doc["url"])
        except SyncUrlError as exc:  # about the caller's own URL: every problem, at once
            return problem("bad_sync_url", str(exc).removeprefix("sync URL: "))
        return _json(sync_state(g.partner))

    @app.delete("/v1/sync")
    def delete_sync() -> Response:
        register_sync(store, g.partner.slug, None)
        return Response(status=204)

    def sync_state(partner: Partner) -> dict[str, Any]:
        registered = store.sync_registration(partner.slug)
        return {
            "url": registered[0] if registered else None,
            "registered_at": utc_iso(registered[1]) if registered else None,
            # the collector calls it for visitors who consent to this partner, while the account is active
            "active": registered is not None and partner.status == "active",
        }

    return app
