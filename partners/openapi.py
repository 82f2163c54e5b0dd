"""The OpenAPI 3.1 document of the partners' API (served at /v1/openapi.json).

Written so that an agency's generated client needs no prose: every header, every row shape, every
status with its error codes as an enum (from partners/disclosure.py), date-times with their offset,
the hash's exact input and the signature's canonical JSON. schemathesis checks the service against
it, and tests/partners/test_generated_client.py pulls an export through a client generated from it.
"""

from __future__ import annotations

from typing import Any

from artaud.collector.idsync import MAX_URL
from artaud.partners import disclosure
from artaud.partners.exports import MAX_PAGE
from artaud.partners.formats import MEDIA

MAX_FIGURE = 10**12  # remuneration/delivery.py: a day's impressions, at most

PSEUDONYM = r"^x[0-9a-f]{40}$"
RATE_HEADERS = {
    "RateLimit-Policy": {
        "description": 'the key\'s quota: `"default";q=<calls>;w=<seconds>` (IETF RateLimit fields): '
        "a bucket of q calls refilled continuously over w seconds",
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": '`"default";r=<calls left now>;t=<seconds until the bucket is full again>`',
        "schema": {"type": "string"},
    },
}
LIST_HEADERS = {
    "X-Export-Id": {"description": "the export this page belongs to", "schema": {"type": "string"}},
    "X-Next-Cursor": {
        "description": "the `cursor` of the next page, absent on the last page (also `next_cursor` in the json format)",
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'RFC 8288 `<…>; rel="next"` to the next page, absent on the last page',
        "schema": {"type": "string"},
    },
}
GZIP = (
    " Send `Accept-Encoding: gzip` for a gzip-compressed body (`Content-Encoding: gzip`); hashes are over the "
    "uncompressed pseudonyms."
)
FORMAT_RULE = (
    "The format of the body: the `format` parameter when given; else the best match of the `Accept` header "
    "among `application/json` (json), `application/x-ndjson` (jsonl) and `text/csv` (csv); `*/*` or no "
    "`Accept` means json; an `Accept` allowing none of them is answered 406. jsonl and csv stream a "
    "million lines at a constant memory on both sides; json is one `Page` object."
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _error(status: int, description: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ref(f"Error{status}")}},
    }
    headers: dict[str, Any] = {}
    if status == 401:
        headers["WWW-Authenticate"] = {
            "description": 'always `Bearer realm="artaud partners"`',
            "required": True,
            "schema": {"type": "string"},
        }
    if status in (429, 503):
        headers["Retry-After"] = {
            "description": "seconds to wait before calling again",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    if status == 405:
        headers["Allow"] = {"description": "the methods this path answers", "schema": {"type": "string"}}
    if status not in (401, 403, 503):
        headers.update(RATE_HEADERS)
    if headers:
        out["headers"] = headers
    return out


ERRORS_OF = {
    400: "the request is not valid (the message says which parameter and why)",
    401: "no key, or an invalid, revoked or expired key",
    403: "the partner is suspended, or the key's scope does not cover this",
    404: "no such resource (another partner's export, or one outside this key's scope, is not found)",
    405: "another method than the ones this path answers (see `Allow`)",
    406: "the `Accept` header allows none of the formats served",
    409: "refused by a privacy guard, with a code and no figure",
    410: "the export expired, or was withdrawn after a partner-key rotation: make a new one",
    429: "rate limited: retry after `Retry-After` seconds (the `RateLimit` header says the quota)",
    503: "the audience store is unavailable: retry after `Retry-After` seconds",
}
KEYED = (401, 403, 405, 429, 503)  # every call with a key can meet these


def _responses(ok: dict[str, dict[str, Any]], *statuses: int) -> dict[str, Any]:
    out: dict[str, Any] = dict(ok)
    for status in sorted({*statuses, *KEYED}):
        out[str(status)] = _error(status, ERRORS_OF[status])
    return out


def _ok(
    description: str, schema: dict[str, Any] | None = None, headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    out["headers"] = {name: {**h, "required": True} for name, h in RATE_HEADERS.items()} | (headers or {})
    return out


def _list_content(what: str) -> dict[str, Any]:
    return {
        MEDIA["jsonl"]: {
            "schema": {
                "type": "string",
                "description": f"{what}: one `Pseudonym` object per line, e.g. "
                '`{"pseudonym":"x3f…"}` (components/schemas/Pseudonym), in the order of the pseudonyms',
            }
        },
        MEDIA["json"]: {"schema": _ref("Page")},
        MEDIA["csv"]: {
            "schema": {
                "type": "string",
                "description": f"{what}: a `pseudonym` header line, then one pseudonym per line (no quoting: "
                "a pseudonym is `x` and 40 hexadecimal digits)",
            }
        },
    }


CAMPAIGN_PARAM = {
    "name": "campaign_id",
    "in": "path",
    "required": True,
    "description": "the campaign's id, as the SCARE recorded it",
    "schema": {"type": "string", "maxLength": 64},
}
EXPORT_PARAM = {
    "name": "export_id",
    "in": "path",
    "required": True,
    "description": "one of your exports",
    "schema": {"type": "string", "maxLength": 40},
}
FORMAT_PARAM = {
    "name": "format",
    "in": "query",
    "description": FORMAT_RULE,
    "schema": {"type": "string", "enum": ["json", "jsonl", "csv"], "default": "json"},
}
EXPORT_ID = {
    "name": "export_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 40},
}


def _list_op(kind: str, summary: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": f"export_{kind}",
            "summary": summary,
            "description": "One page of partner pseudonyms, sorted. " + FORMAT_RULE + GZIP,
            "parameters": [
                EXPORT_ID,
                FORMAT_PARAM,
                {
                    "name": "limit",
                    "in": "query",
                    "description": "pseudonyms per page",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 10000},
                },
                {
                    "name": "cursor",
                    "in": "query",
                    "description": "where the page starts: `next_cursor` (or `X-Next-Cursor`) of the previous page",
                    "schema": {"type": "string", "maxLength": 200},
                },
            ],
            "responses": _responses(
                {
                    "200": {
                        **_ok("one page of partner pseudonyms", headers=LIST_HEADERS),
                        "content": _list_content("the page's pseudonyms"),
                    }
                },
                400,
                404,
                406,
                410,
            ),
        }
    }


def _schemas() -> dict[str, Any]:
    errors = {
        f"Error{status}": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string", "enum": disclosure.codes_of(status)},
                "message": {
                    "type": "string",
                    "description": "for people; never a figure of the audience. Program against `error`.",
                },
            },
        }
        for status in disclosure.statuses()
    }
    sda = {
        "type": "object",
        "description": "IAB Seller Defined Audiences: an OpenRTB 2.6 `user.data` object",
        "required": ["name", "ext", "segment"],
        "properties": {
            "name": {"type": "string", "description": "the seller's domain (`partners.seller_domain`)"},
            "ext": {
                "type": "object",
                "required": ["segtax"],
                "properties": {
                    "segtax": {
                        "type": "integer",
                        "description": "4: IAB Audience Taxonomy 1.1; otherwise the number of artaud's "
                        "vendor-specific taxonomy registered with the IAB Tech Lab",
                    }
                },
            },
            "segment": {
                "type": "array",
                "items": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
            },
        },
    }
    manifest_props: dict[str, Any] = {
        "format_version": {"type": "integer", "description": "2"},
        "export_id": {"type": "string"},
        "partner": {"type": "string", "description": "your partner slug"},
        "partner_key_version": {
            "type": "integer",
            "description": "the version of your pseudonym key the list is under; it changes at each rotation",
        },
        "segment": {"type": "string"},
        "segment_version": {"type": "integer"},
        "build_id": {"type": "string"},
        "iab_audience_taxonomy": {"type": "array", "items": {"type": "integer"}},
        "created_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time"},
        "members": {"type": "integer", "description": "the number of pseudonyms in `members`"},
        "added": {"type": "integer", "description": "the number of pseudonyms in `added`"},
        "removed": {"type": "integer", "description": "the number of pseudonyms in `removed`"},
        "previous_export_id": {
            **_nullable({"type": "string"}),
            "description": "your previous export of this segment; null for the first",
        },
        "replaces_previous": {
            "type": "boolean",
            "description": "true after a key rotation: `removed` holds every old pseudonym, `added` every member",
        },
        "members_sha256": {
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "lower-case hex SHA-256 of the members' pseudonyms, each followed by one line feed "
            "(`x…\\n`), in the served order: the bytes of the csv body without its header line",
        },
    }
    return {
        **errors,
        "SigningKey": {
            "type": "object",
            "required": ["algorithm", "public_key", "public_key_pem"],
            "properties": {
                "algorithm": {"type": "string", "enum": ["Ed25519"]},
                "public_key": {"type": "string", "description": "raw 32 bytes, base64"},
                "public_key_pem": {"type": "string", "description": "SubjectPublicKeyInfo PEM"},
            },
        },
        "Geo": {
            "type": "object",
            "required": ["iso_3166_2", "name"],
            "properties": {
                "iso_3166_2": {"type": "string", "description": "ISO 3166-2 subdivision code, e.g. FR-IDF"},
                "name": {"type": "string"},
            },
        },
        "Film": {
            "type": "object",
            "required": ["ref"],
            "properties": {
                "ref": {"type": "string", "description": "artaud's film reference (title and director)"}
            },
        },
        "SdaUserData": sda,
        "Segment": {
            "type": "object",
            "required": [
                "segment",
                "segment_id",
                "title",
                "taxonomy_id",
                "version",
                "size",
                "size_is_noisy",
                "built_at",
                "iab_audience_taxonomy",
                "geo",
                "film",
                "sda_user_data",
            ],
            "properties": {
                "segment": {"type": "string", "description": "the key to export"},
                "segment_id": {
                    "type": "string",
                    "description": "its definition (a film or region segment's family)",
                },
                "title": {"type": "string", "description": "in French"},
                "taxonomy_id": {
                    "type": "string",
                    "description": "the segment's id in artaud's taxonomy: distinct per segment, stable",
                },
                "version": {"type": "integer"},
                "size": {
                    "type": "integer",
                    "description": "how many members you could export, with Laplace noise (never exact)",
                },
                "size_is_noisy": {"type": "boolean", "enum": [True]},
                "built_at": {"type": "string", "format": "date-time"},
                "iab_audience_taxonomy": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "IAB Audience Taxonomy 1.1 ids: what kind of audience (shared by many segments)",
                },
                "geo": {**_nullable(_ref("Geo")), "description": "a region segment's region"},
                "film": {**_nullable(_ref("Film")), "description": "a film segment's film"},
                "sda_user_data": {"type": "array", "items": _ref("SdaUserData")},
            },
        },
        "ExportRequest": {
            "type": "object",
            "required": ["segment"],
            "properties": {"segment": {"type": "string", "minLength": 1, "maxLength": 220}},
        },
        "Manifest": {
            "type": "object",
            "description": "signed as a whole: every field, including any added by a later format_version",
            "required": sorted(manifest_props),
            "properties": manifest_props,
        },
        "SignedExport": {
            "type": "object",
            "required": ["export", "signature"],
            "properties": {
                "export": _ref("Manifest"),
                "signature": {
                    "type": "string",
                    "description": "base64 Ed25519 signature (the key at /v1/signing-key) over the canonical JSON of "
                    "`export`: keys sorted, no whitespace (separators `,` and `:`), non-ASCII characters as "
                    "UTF-8 rather than escaped, as Python's json.dumps(export, sort_keys=True, "
                    "separators=(',', ':'), ensure_ascii=False).encode()",
                },
            },
        },
        "Pseudonym": {
            "type": "object",
            "required": ["pseudonym"],
            "properties": {
                "pseudonym": {
                    "type": "string",
                    "pattern": PSEUDONYM,
                    "description": "your pseudonym of a member: the value your ID sync receives for that visitor",
                }
            },
        },
        "Page": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": _ref("Pseudonym")},
                "next_cursor": {
                    **_nullable({"type": "string"}),
                    "description": "pass it as `cursor` for the next page; null on the last page",
                },
            },
        },
        "SyncRequest": {
            "type": "object",
            "required": ["url"],
            "properties": {
                "url": {
                    "type": "string",
                    "maxLength": MAX_URL,
                    "description": "https URL with `{xid}` exactly once, where your pseudonym of the visitor goes",
                }
            },
        },
        "Campaign": {
            "type": "object",
            "description": "a distributor's campaign the SCARE recorded with you as its agency",
            "required": [
                "id",
                "distributor",
                "film",
                "flight",
                "approved",
                "exports",
                "exports_closed",
                "delivered",
            ],
            "properties": {
                "id": {"type": "string"},
                "distributor": {"type": "string"},
                "film": {
                    "type": "object",
                    "required": ["title", "director", "visa", "ref"],
                    "properties": {
                        "title": {"type": "string"},
                        "director": _nullable({"type": "string"}),
                        "visa": _nullable({"type": "string", "description": "the CNC exploitation visa"}),
                        "ref": {"type": "string", "description": "the film reference the tag's events carry"},
                    },
                },
                "flight": {
                    "type": "object",
                    "required": ["start", "end"],
                    "properties": {
                        "start": {"type": "string", "format": "date"},
                        "end": {"type": "string", "format": "date"},
                    },
                },
                "approved": {"type": "boolean", "description": "whether the SCARE approved the film's title"},
                "exports": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "your exports delivered for this campaign, as you or the SCARE linked them",
                },
                "exports_closed": {
                    "type": "boolean",
                    "description": "true once the cinemas' contributions are frozen: no export can be linked any more",
                },
                "delivered": {
                    "type": "object",
                    "required": ["impressions", "clicks", "days_reported"],
                    "properties": {
                        "impressions": {"type": "integer", "minimum": 0},
                        "clicks": {"type": "integer", "minimum": 0},
                        "days_reported": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
        "ReportRequest": {
            "type": "object",
            "required": ["impressions", "clicks"],
            "additionalProperties": False,
            "properties": {
                "impressions": {"type": "integer", "minimum": 0, "maximum": MAX_FIGURE},
                "clicks": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": MAX_FIGURE,
                    "description": "at most the impressions",
                },
            },
        },
        "DeliveryReport": {
            "type": "object",
            "required": ["day", "impressions", "clicks", "reported_at"],
            "properties": {
                "day": {"type": "string", "format": "date"},
                "impressions": {"type": "integer", "minimum": 0},
                "clicks": {"type": "integer", "minimum": 0},
                "reported_at": {"type": "string", "format": "date-time"},
            },
        },
        "SyncState": {
            "type": "object",
            "required": ["url", "registered_at", "active"],
            "properties": {
                "url": _nullable({"type": "string"}),
                "registered_at": _nullable({"type": "string", "format": "date-time"}),
                "active": {
                    "type": "boolean",
                    "description": "whether the collector calls it (for visitors consenting to you) now",
                },
            },
        },
    }


def openapi() -> dict[str, Any]:
    json_body = {"application/json": {"schema": _ref("ExportRequest")}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "artaud partners API",
            "version": "1.1.0",
            "description": "Segments of the pooled Art & Essai audience for the SCARE's agency partners: "
            "partner-scoped pseudonyms of consenting visitors only, signed manifests (Ed25519), deltas, "
            "deletions. Every answer to a call with a valid key carries the IETF `RateLimit` and "
            "`RateLimit-Policy` fields; errors are `{error, message}` with `error` from the enum of "
            "its status. Figures of the audience reach you only as the noisy `size` of a segment and "
            "the counts of the lists you receive.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "this document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/v1/signing-key": {
                "get": {
                    "operationId": "signing_key",
                    "summary": "the SCARE's Ed25519 public key that signs export manifests",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "the public key",
                            "content": {"application/json": {"schema": _ref("SigningKey")}},
                        }
                    },
                }
            },
            "/v1/segments": {
                "get": {
                    "operationId": "segments",
                    "summary": "the segments this key may export to you, each with your own noisy size; "
                    "a segment you cannot export is absent",
                    "responses": _responses(
                        {"200": _ok("segments", {"type": "array", "items": _ref("Segment")})}
                    ),
                }
            },
            "/v1/exports": {
                "post": {
                    "operationId": "create_export",
                    "summary": "export a segment's members consenting to you, with a delta against your "
                    "previous export of it",
                    "requestBody": {"required": True, "content": json_body},
                    "responses": _responses(
                        {"201": _ok("the signed manifest", _ref("SignedExport"))}, 400, 404, 409
                    ),
                }
            },
            "/v1/exports/{export_id}": {
                "get": {
                    "operationId": "get_export",
                    "summary": "an export's signed manifest",
                    "parameters": [EXPORT_ID],
                    "responses": _responses(
                        {"200": _ok("the signed manifest", _ref("SignedExport"))}, 404, 410
                    ),
                }
            },
            "/v1/exports/{export_id}/members": _list_op("members", "the export's members"),
            "/v1/exports/{export_id}/added": _list_op(
                "added", "members not in your previous export of this segment"
            ),
            "/v1/exports/{export_id}/removed": _list_op(
                "removed", "members of your previous export no longer in this one (left, withdrew, erased)"
            ),
            "/v1/deletions": {
                "get": {
                    "operationId": "deletions",
                    "summary": "every pseudonym you received in the window whose person withdrew or was "
                    "erased since: delete them (poll at least daily; no cause is given)",
                    "description": FORMAT_RULE + GZIP + " The json format has `next_cursor` null: one page.",
                    "parameters": [FORMAT_PARAM],
                    "responses": _responses(
                        {
                            "200": {
                                **_ok("the pseudonyms to delete, sorted"),
                                "content": _list_content("the pseudonyms to delete"),
                            }
                        },
                        400,
                        406,
                    ),
                }
            },
            "/v1/campaigns": {
                "get": {
                    "operationId": "list_campaigns",
                    "summary": "the campaigns the SCARE recorded with you as their agency",
                    "responses": _responses(
                        {"200": _ok("your campaigns", {"type": "array", "items": _ref("Campaign")})}
                    ),
                }
            },
            "/v1/campaigns/{campaign_id}": {
                "parameters": [CAMPAIGN_PARAM],
                "get": {
                    "operationId": "get_campaign",
                    "summary": "one of your campaigns",
                    "responses": _responses({"200": _ok("the campaign", _ref("Campaign"))}, 404),
                },
            },
            "/v1/campaigns/{campaign_id}/exports/{export_id}": {
                "parameters": [CAMPAIGN_PARAM, EXPORT_PARAM],
                "put": {
                    "operationId": "link_campaign_export",
                    "summary": "declare one of your exports as delivered for the campaign (idempotent). The "
                    "cinemas' share of the distributor's payment is computed from the exports so declared.",
                    "responses": _responses(
                        {
                            "201": _ok("linked now", _ref("Campaign")),
                            "200": _ok("it already was", _ref("Campaign")),
                        },
                        404,
                        409,
                    ),
                },
            },
            "/v1/campaigns/{campaign_id}/reports": {
                "parameters": [CAMPAIGN_PARAM],
                "get": {
                    "operationId": "list_campaign_reports",
                    "summary": "the delivery figures you reported, by day",
                    "responses": _responses(
                        {"200": _ok("your reports", {"type": "array", "items": _ref("DeliveryReport")})}, 404
                    ),
                },
            },
            "/v1/campaigns/{campaign_id}/reports/{day}": {
                "parameters": [
                    CAMPAIGN_PARAM,
                    {
                        "name": "day",
                        "in": "path",
                        "required": True,
                        "description": "a day of the flight, YYYY-MM-DD",
                        "schema": {"type": "string", "format": "date"},
                    },
                ],
                "put": {
                    "operationId": "put_campaign_report",
                    "summary": "your impressions and clicks for one day of the flight; sending a day again "
                    "replaces it. Informative: the cinemas' shares never depend on them.",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("ReportRequest")}},
                    },
                    "responses": _responses({"200": _ok("recorded", _ref("DeliveryReport"))}, 400, 404),
                },
            },
            "/v1/sync": {
                "get": {
                    "operationId": "get_sync",
                    "summary": "your ID-sync URL and whether the collector calls it",
                    "responses": _responses({"200": _ok("your ID sync", _ref("SyncState"))}),
                },
                "put": {
                    "operationId": "put_sync",
                    "summary": "register (or replace) your ID-sync URL",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("SyncRequest")}},
                    },
                    "responses": _responses({"200": _ok("your ID sync", _ref("SyncState"))}, 400),
                },
                "delete": {
                    "operationId": "delete_sync",
                    "summary": "stop the ID sync",
                    "responses": _responses({"204": _ok("removed")}),
                },
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "pk_<8 hex prefix>_<secret>; a key may be scoped to segments and formats, "
                    "and may expire (401 expired_key)",
                }
            },
            "schemas": _schemas(),
        },
    }
