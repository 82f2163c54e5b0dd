"""Partner API keys (IO-free): `pk_<prefix>_<secret>`, shown once, stored only as a SHA-256 hash.

The prefix (8 hex digits) names the key in the console, the audit log and revocations without
revealing it; the secret carries 256 random bits, so a plain SHA-256 is enough to store it (nothing
to guess), and comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_KEY = re.compile(r"^pk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewKey:
    prefix: str
    secret_hash: str
    token: str  # the whole key: given to the partner once, never stored


def new_key() -> NewKey:
    prefix = secrets.token_hex(4)
    token = f"pk_{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(prefix, hash_token(token), token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def prefix_of(token: str) -> str | None:
    """The key's prefix, or None when the text is not shaped like one of our keys."""
    m = _KEY.match(token)
    return m.group(1) if m else None


def matches(token: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), secret_hash)
