"""The partner-scoped pseudonym (collector/partner_pseudonyms.py) computed in ClickHouse, for exports
written as each partner's own values."""

from __future__ import annotations

import hashlib

from artaud.warehouse.sql import quote


def pseudonym_sql(key: bytes, column: str) -> str:
    """SQL computing `partner_pseudonym(key, <column>)` in ClickHouse, which has SHA-256 but no
    HMAC: HMAC-SHA256 spelt out as its two hashing passes over the key's inner and outer pads
    (RFC 2104). The pads are as secret as the key: run the statement with `NO_QUERY_LOG`."""
    k = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    ipad = bytes(b ^ 0x36 for b in k).hex()
    opad = bytes(b ^ 0x5C for b in k).hex()
    inner = f"SHA256(concat(unhex({quote(ipad)}), {column}))"
    return f"concat('x', substring(lower(hex(SHA256(concat(unhex({quote(opad)}), {inner})))), 1, 40))"


# a statement carrying key material is kept out of the server's query log
NO_QUERY_LOG = " SETTINGS log_queries = 0"
