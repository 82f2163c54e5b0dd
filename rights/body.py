"""A request to the rights page's JSON endpoints (IO-free): `{"ticket": "...", "confirm": true?}` as
JSON, within a small size. Anything else is refused with one error, whatever it is."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from artaud.collector.rights_ticket import MAX_TICKET
from artaud.errors import InvalidInput

MAX_BODY = 4096


class BadRightsRequest(InvalidInput):
    code = "bad_rights_request"


@dataclass(frozen=True)
class RightsRequest:
    ticket: str
    confirm: bool = False  # the erasure's second step


def parse_body(body: bytes) -> RightsRequest:
    if len(body) > MAX_BODY:
        raise BadRightsRequest("request too large")
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRightsRequest('send JSON: {"ticket": "…"}') from None
    if not isinstance(doc, dict):
        raise BadRightsRequest("send a JSON object")
    ticket, confirm = doc.get("ticket"), doc.get("confirm", False)
    if not isinstance(ticket, str) or not 0 < len(ticket) <= MAX_TICKET:
        raise BadRightsRequest("a ticket is required: open the page from the cinema's site")
    if not isinstance(confirm, bool):
        raise BadRightsRequest("confirm is true or false")
    return RightsRequest(ticket, confirm)
