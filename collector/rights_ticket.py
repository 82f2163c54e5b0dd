"""The rights ticket (IO-free): what the collector hands a visitor's browser (`POST /c/r`) so that the
page « Vos données d'audience » (`rights/`) can show that visitor what is held under their pooled
pseudonyms, and nothing else.

The collector alone sees the first-party id; it derives the person's pooled pseudonyms under every
live key version and seals them, with the cinema the request came from and an expiry, under a key of
its own purpose (`rights-ticket` in the key ring): AES-GCM, so that a ticket can be neither read nor
forged nor altered by the browser or anyone who copies it, and a stale one is refused. An unknown id
gets a ticket of the same shape: its pseudonyms simply hold nothing.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from artaud.errors import ArtaudError

TICKET_KEY = "rights-ticket"  # the key ring's purpose
_AAD = b"artaud rights ticket v1"
_POOLED = re.compile(r"^p\d{1,5}\.[0-9a-f]{1,64}$")
MAX_TICKET = 2048  # characters: a few pseudonyms, a cinema and a time fit in far less
MAX_PSEUDONYMS = 8


class BadTicket(ArtaudError):
    """Not a ticket this service sealed (garbled, forged, altered, or under another key)."""

    code = "bad_ticket"
    status = 403


class ExpiredTicket(BadTicket):
    code = "ticket_expired"


@dataclass(frozen=True)
class Ticket:
    pseudonyms: tuple[str, ...]  # the person's pooled pseudonyms, every live key version
    cinema_id: int  # the cinema whose page asked
    expires: int  # seconds since the epoch


def seal(key: bytes, pseudonyms: list[str], cinema_id: int, now: datetime, minutes: int) -> str:
    expires = int((now + timedelta(minutes=minutes)).timestamp())
    plain = orjson.dumps({"p": pseudonyms[:MAX_PSEUDONYMS], "c": cinema_id, "x": expires})
    nonce = os.urandom(12)
    box = AESGCM(key).encrypt(nonce, plain, _AAD)
    return base64.urlsafe_b64encode(nonce + box).decode().rstrip("=")


def open_ticket(key: bytes, token: str, now: datetime) -> Ticket:
    """The ticket's content, or BadTicket / ExpiredTicket; never anything else, whatever `token` is."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TICKET:
        raise BadTicket("no ticket, or one too long")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise BadTicket("a ticket is base64url") from None
    if len(raw) < 12 + 16:
        raise BadTicket("a ticket is longer than that")
    try:
        doc = orjson.loads(AESGCM(key).decrypt(raw[:12], raw[12:], _AAD))
    except (InvalidTag, orjson.JSONDecodeError):
        raise BadTicket("not a ticket sealed by this service") from None
    if not isinstance(doc, dict):
        raise BadTicket("not a ticket sealed by this service")
    pseudonyms, cinema, expires = doc.get("p"), doc.get("c"), doc.get("x")
    if (
        not isinstance(pseudonyms, list)
        or not all(isinstance(p, str) and _POOLED.match(p) for p in pseudonyms)
        or type(cinema) is not int
        or type(expires) is not int
    ):
        raise BadTicket("not a ticket sealed by this service")
    if expires < now.timestamp():
        raise ExpiredTicket("this ticket has expired: open the page again from the cinema's site")
    return Ticket(tuple(pseudonyms), cinema, expires)
