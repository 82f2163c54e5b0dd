"""The partners' pull API (versioned under /v1, described by /v1/openapi.json).

Every call is authenticated by a partner API key (`Authorization: Bearer pk_…`), rate limited per
key, checked against the key's scopes (segments, formats), and written to the audit log, refused or
not. Errors are JSON `{"error": code, "message": text}`; nothing about another partner's exports is
revealed (their ids answer "not found").
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

from cryptography.hazmat.primitives import serialization
from flask import Flask, Response, g, request

from controlplane.partner_store import ApiKey, Partner, PartnerStore
from partners import keys as apikeys
from partners.cursor import BadCursor
from partners.exports import MAX_PAGE, ExportRefused, ExportService, manifest_of
from partners.manifest import public_pem
from partners.openapi import openapi
from partners.ratelimit import RateLimiter
from warehouse.backend import WarehouseError

KINDS = {"members": "members", "added": "added", "removed": "removed"}
# what a partner is told of a refusal: never a count, a share or a cinema (the exact figures are for
# the SCARE's staff, in the console and the logs)
PARTNER_MESSAGES = {
    "out_of_scope": "this key may not export this segment",
    "unknown_segment": "no such segment",
    "unknown_export": "no such export",
    "not_published": "this segment is not published: it does not pass the privacy guards",
    "below_k": "too few members consent to sharing with you: this segment cannot be exported to you now",
    "too_few_cinemas": "your members of this segment come from too few cinemas",
    "dominated": "your members of this segment come mostly from one cinema",
    "differencing": "too few members are new since what you received: try again after the next build",
    "overlap": "this list and one of your live lists of another segment differ by too few members",
    "expired": "this export has expired: make a new one",
    "withdrawn": "this export was withdrawn (your pseudonyms changed): make a new one",
}
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
ANONYMOUS_AUDIT_PER_MINUTE = 60


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps({"error": code, "message": message}, ensure_ascii=False)
    return Response(body, status=status, mimetype="application/json", headers=headers or {})


def _json(doc: object, status: int = 200) -> Response:
    return Response(json.dumps(doc, ensure_ascii=False), status=status, mimetype="application/json")


def sda_user_data(name: str, iab: tuple[int, ...] | list[int]) -> list[dict[str, Any]]:
    """IAB Seller Defined Audiences: OpenRTB `user.data` with the Audience Taxonomy (segtax 4) ids."""
    if not iab:
        return []
    return [{"name": name, "ext": {"segtax": 4}, "segment": [{"id": str(i)} for i in iab]}]


def create_partner_api(
    store: PartnerStore,
    exports: ExportService,
    titles: Callable[[], dict[str, str]] = dict,
    limiter_for: Callable[[int], RateLimiter] | None = None,
    sda_name: str = "scare.example",
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
        g.partner, g.key = None, None
        if request.path in ("/v1/openapi.json", "/v1/signing-key"):
            return None
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        prefix = apikeys.prefix_of(token) if token else None
        challenge = {"WWW-Authenticate": 'Bearer realm="artaud partners"'}
        if not token:
            return _error(401, "no_key", "send your API key as 'Authorization: Bearer pk_…'", challenge)
        key = store.key(prefix) if prefix else None
        if key is None or not apikeys.matches(token, key.secret_hash):
            return _error(401, "bad_key", "this API key is not valid", challenge)
        g.key = key
        if key.revoked_at is not None:
            return _error(401, "revoked_key", "this API key was revoked", challenge)
        partner = store.get(key.partner_slug)
        if partner is None or partner.status != "active":
            return _error(403, "partner_suspended", "this partner account is suspended")
        g.partner = partner
        wait = limiter(partner.rate_per_minute).take(key.prefix)
        if wait > 0:
            return _error(
                429,
                "rate_limited",
                f"too many calls: retry in {wait:.1f} s",
                {"Retry-After": str(int(wait) + 1)},
            )
        return None

    @app.after_request
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
        return _error(404, "not_found", "no such resource")

    @app.errorhandler(405)
    def not_allowed(_: Exception) -> Response:
        return _error(405, "method_not_allowed", "method not allowed here")

    @app.errorhandler(WarehouseError)
    def unavailable(_: WarehouseError) -> Response:
        return _error(
            503, "unavailable", "the audience store is unavailable: retry later", {"Retry-After": "30"}
        )

    @app.errorhandler(ExportRefused)
    def refused(exc: ExportRefused) -> Response:
        # the partner gets the code and a message without any figure (docs/partners.md)
        return _error(exc.status, exc.code, PARTNER_MESSAGES.get(exc.code, exc.code))

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
        names = titles()
        return _json(
            [
                {
                    "segment": e.key,
                    "title": names.get(e.segment_id, e.segment_id),
                    "version": e.segment_version,
                    "size": e.published_size,
                    "size_is_noisy": True,
                    "built_at": e.built_at,
                    "iab_audience_taxonomy": list(exports.iab(e.segment_id)),
                    "sda_user_data": sda_user_data(sda_name, exports.iab(e.segment_id)),
                }
                for e in exports.segments(g.key)
            ]
        )

    @app.post("/v1/exports")
    def create_export() -> Response:
        doc = request.get_json(silent=True)
        if not isinstance(doc, dict) or not isinstance(doc.get("segment"), str) or not doc["segment"]:
            return _error(400, "bad_request", 'send {"segment": "<segment key>"} as JSON')
        if len(doc["segment"]) > 220:
            return _error(400, "bad_request", "segment: at most 220 characters")
        record = exports.create(g.partner, g.key, doc["segment"])
        return _json({"export": manifest_of(record), "signature": record.signature}, 201)

    @app.get("/v1/exports/<export_id>")
    def get_export(export_id: str) -> Response:
        record = exports.get(g.partner, g.key, export_id)
        return _json({"export": manifest_of(record), "signature": record.signature})

    @app.get("/v1/deletions")
    def deletions() -> Response:
        fmt = request.args.get("format", "jsonl")
        if fmt not in ("csv", "jsonl"):
            return _error(400, "bad_request", "format: csv or jsonl")
        if fmt not in g.key.formats:
            return _error(403, "format_out_of_scope", f"this key may not download {fmt}")
        rows = exports.deletions(g.partner)
        body = "".join(p + "\n" if fmt == "csv" else '{"pseudonym":"' + p + '"}\n' for p in rows)
        mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
        return Response(
            ("pseudonym\n" if fmt == "csv" else "") + body,
            mimetype=mimetype,
            headers={"Cache-Control": "no-store"},
        )

    @app.get("/v1/exports/<export_id>/<kind>")
    def export_members(export_id: str, kind: str) -> Response:
        if kind not in KINDS:
            return _error(404, "not_found", "no such resource")
        fmt = request.args.get("format", "jsonl")
        if fmt not in ("csv", "jsonl"):
            return _error(400, "bad_request", "format: csv or jsonl")
        if fmt not in g.key.formats:
            return _error(403, "format_out_of_scope", f"this key may not download {fmt}")
        try:
            limit = int(request.args.get("limit", "10000"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_PAGE:
            return _error(400, "bad_request", f"limit: an integer from 1 to {MAX_PAGE}")
        record = exports.get(g.partner, g.key, export_id)
        try:
            rows, next_cursor = exports.page(record, kind, request.args.get("cursor") or None, limit)
        except BadCursor as exc:
            return _error(400, "bad_cursor", str(exc).split(": ", 1)[-1])

        def body() -> Iterator[bytes]:
            buf: list[str] = ["pseudonym\n"] if fmt == "csv" else []
            for p in rows:
                buf.append(p + "\n" if fmt == "csv" else '{"pseudonym":"' + p + '"}\n')
                if len(buf) >= 5000:
                    yield "".join(buf).encode()
                    buf = []
            if buf:
                yield "".join(buf).encode()

        headers = {"X-Export-Id": record.id, "Cache-Control": "no-store"}
        if next_cursor:
            headers["X-Next-Cursor"] = next_cursor
            headers["Link"] = f'<{request.path}?format={fmt}&limit={limit}&cursor={next_cursor}>; rel="next"'
        mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
        return Response(body(), mimetype=mimetype, headers=headers)

    return app
