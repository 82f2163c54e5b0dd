"""Opaque paging cursors: the position in an export, sealed with AES-GCM so a partner can neither
read the pooled pseudonym it holds nor forge one (IO-free given the key)."""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from artaud.errors import InvalidInput


class BadCursor(InvalidInput):
    code = "bad_cursor"


def seal(key: bytes, export_id: str, kind: str, position: str) -> str:
    nonce = secrets.token_bytes(12)
    box = AESGCM(key).encrypt(nonce, position.encode(), f"{export_id}\x1f{kind}".encode())
    return base64.urlsafe_b64encode(nonce + box).decode().rstrip("=")


def open_(key: bytes, export_id: str, kind: str, cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if len(raw) < 28:
            raise BadCursor("cursor: not one of ours")
        return AESGCM(key).decrypt(raw[:12], raw[12:], f"{export_id}\x1f{kind}".encode()).decode()
    except (InvalidTag, ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("cursor: not one of ours, or for another export") from exc
