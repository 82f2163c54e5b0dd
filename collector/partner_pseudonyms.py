"""Partner-scoped pseudonyms (IO-free): HMAC-SHA256 of the pooled pseudonym under a key per partner.

Two partners get unrelated values for the same visitor, so they cannot join their lists, and a
leaked export reveals nothing about another partner's. The same value is what the partner ID sync
hands that partner for that visitor. Exports compute the same value in ClickHouse
(partners/pseudonym_sql.py).
"""

from __future__ import annotations

import hashlib
import hmac


def partner_pseudonym(key: bytes, pooled: str) -> str:
    return "x" + hmac.new(key, pooled.encode(), hashlib.sha256).hexdigest()[:40]
