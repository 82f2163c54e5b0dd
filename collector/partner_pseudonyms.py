"""Partner-scoped pseudonyms (IO-free): HMAC-SHA256 of the pooled pseudonym under a key per partner.

Two partners get unrelated values for the same visitor, so they cannot join their lists, and a
leaked export reveals nothing about another partner's. The same value is what the partner ID sync
hands that partner for that visitor.
"""

from __future__ import annotations

import hashlib
import hmac

from artaud.warehouse.sql import quote


def partner_pseudonym(key: bytes, pooled: str) -> str:
    return "x" + hmac.new(key, pooled.encode(), hashlib.sha256).hexdigest()[:40]


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
