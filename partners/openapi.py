"""The OpenAPI 3.0 document of the partners' API (served at /v1/openapi.json; schemathesis checks the
service against it)."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}


def _err(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


AUTH_ERRORS = {
    "401": _err("no key, an invalid key or a revoked key"),
    "403": _err("the partner is suspended, or the key's scope does not cover this"),
    "429": _err("rate limited: retry after the Retry-After header's seconds"),
    "503": _err("the audience store is unavailable: retry after the Retry-After header's seconds"),
}
EXPORT_DOC = {
    "description": "the signed manifest",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SignedExport"}}},
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
            "parameters": [
                EXPORT_ID,
                {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["jsonl", "csv"]}},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000000},
                },
                {"name": "cursor", "in": "query", "schema": {"type": "string", "maxLength": 200}},
            ],
            "responses": {
                "200": {
                    "description": "one page of partner pseudonyms; `X-Next-Cursor` (and a `Link: rel=next`) "
                    "when there are more",
                    "headers": {"X-Next-Cursor": {"schema": {"type": "string"}}},
                    "content": {
                        "application/x-ndjson": {"schema": {"type": "string"}},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                "400": _err("bad format, limit or cursor"),
                "404": _err("no such export (or another partner's)"),
                "410": _err("the export expired"),
                **AUTH_ERRORS,
            },
        }
    }


def openapi() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "artaud partners API",
            "version": "1.0.0",
            "description": "Segments of the pooled Art & Essai audience for the SCARE's agency partners: "
            "partner-scoped pseudonyms of consenting visitors only, signed manifests (Ed25519), deltas.",
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
                            "description": "OpenAPI 3.0",
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
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/SigningKey"}}
                            },
                        }
                    },
                }
            },
            "/v1/segments": {
                "get": {
                    "operationId": "segments",
                    "summary": "the published segments this key may export, with noisy sizes",
                    "responses": {
                        "200": {
                            "description": "segments",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Segment"},
                                    }
                                }
                            },
                        },
                        **AUTH_ERRORS,
                    },
                }
            },
            "/v1/exports": {
                "post": {
                    "operationId": "create_export",
                    "summary": "export a segment's members consenting to you, with a delta against your previous export of it",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["segment"],
                                    "properties": {
                                        "segment": {"type": "string", "minLength": 1, "maxLength": 220}
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": EXPORT_DOC,
                        "400": _err("no segment given"),
                        "404": _err("no such segment"),
                        "409": _err(
                            "refused by a privacy guard (below_k, too_few_cinemas, dominated, differencing) or not published"
                        ),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/v1/exports/{export_id}": {
                "get": {
                    "operationId": "get_export",
                    "summary": "an export's signed manifest",
                    "parameters": [EXPORT_ID],
                    "responses": {
                        "200": EXPORT_DOC,
                        "404": _err("no such export (or another partner's)"),
                        "410": _err("the export expired"),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/v1/deletions": {
                "get": {
                    "operationId": "deletions",
                    "summary": "every pseudonym you received in the window whose person withdrew or was erased "
                    "since: delete them (poll at least daily; no cause is given)",
                    "parameters": [
                        {
                            "name": "format",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["jsonl", "csv"]},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "the pseudonyms to delete, sorted",
                            "content": {
                                "application/x-ndjson": {"schema": {"type": "string"}},
                                "text/csv": {"schema": {"type": "string"}},
                            },
                        },
                        "400": _err("bad format"),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/v1/exports/{export_id}/members": _list_op("members", "the export's members"),
            "/v1/exports/{export_id}/added": _list_op(
                "added", "members not in your previous export of this segment"
            ),
            "/v1/exports/{export_id}/removed": _list_op(
                "removed", "members of your previous export no longer in this one (left, withdrew, erased)"
            ),
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "pk_<prefix>_<secret>"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                },
                "SigningKey": {
                    "type": "object",
                    "required": ["algorithm", "public_key", "public_key_pem"],
                    "properties": {
                        "algorithm": {"type": "string", "enum": ["Ed25519"]},
                        "public_key": {"type": "string", "description": "raw 32 bytes, base64"},
                        "public_key_pem": {"type": "string"},
                    },
                },
                "Segment": {
                    "type": "object",
                    "required": [
                        "segment",
                        "title",
                        "version",
                        "size",
                        "size_is_noisy",
                        "built_at",
                        "iab_audience_taxonomy",
                        "sda_user_data",
                    ],
                    "properties": {
                        "segment": {"type": "string"},
                        "title": {"type": "string"},
                        "version": {"type": "integer"},
                        "size": {"type": "integer", "description": "Laplace-noised member count"},
                        "size_is_noisy": {"type": "boolean"},
                        "built_at": {"type": "string"},
                        "iab_audience_taxonomy": {"type": "array", "items": {"type": "integer"}},
                        "sda_user_data": {
                            "type": "array",
                            "description": "IAB Seller Defined Audiences: OpenRTB user.data objects (segtax 4)",
                            "items": {
                                "type": "object",
                                "required": ["name", "ext", "segment"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "ext": {
                                        "type": "object",
                                        "required": ["segtax"],
                                        "properties": {"segtax": {"type": "integer", "enum": [4]}},
                                    },
                                    "segment": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {"id": {"type": "string"}},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
                "SignedExport": {
                    "type": "object",
                    "required": ["export", "signature"],
                    "properties": {
                        "signature": {
                            "type": "string",
                            "description": "Ed25519 over the manifest's canonical JSON (sorted keys, no spaces, UTF-8), base64",
                        },
                        "export": {
                            "type": "object",
                            "required": [
                                "format_version",
                                "export_id",
                                "partner",
                                "segment",
                                "segment_version",
                                "build_id",
                                "created_at",
                                "expires_at",
                                "members",
                                "added",
                                "removed",
                                "previous_export_id",
                                "members_sha256",
                                "iab_audience_taxonomy",
                            ],
                            "properties": {
                                "format_version": {"type": "integer"},
                                "export_id": {"type": "string"},
                                "partner": {"type": "string"},
                                "segment": {"type": "string"},
                                "segment_version": {"type": "integer"},
                                "build_id": {"type": "string"},
                                "iab_audience_taxonomy": {"type": "array", "items": {"type": "integer"}},
                                "created_at": {"type": "string"},
                                "expires_at": {"type": "string"},
                                "members": {"type": "integer"},
                                "added": {"type": "integer"},
                                "removed": {"type": "integer"},
                                "previous_export_id": {"type": "string", "nullable": True},
                                "members_sha256": {
                                    "type": "string",
                                    "description": "SHA-256 of the members as served: one pseudonym per line, in order",
                                },
                            },
                        },
                    },
                },
            },
        },
    }
