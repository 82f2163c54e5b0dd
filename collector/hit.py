"""IO-free parsing and validation of hits from the pixel query string and the beacon body.

Nothing here touches the network, disk or globals; every rejection is a HitError with a
reason from a closed set, which the app maps to a 4xx status and a drop counter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args
from urllib.parse import parse_qs

import orjson

DropReason = Literal[
    "unknown_site",
    "site_suspended",
    "origin_mismatch",
    "body_too_large",
    "malformed",
    "too_many_events",
    "invalid_event",
    "spool_full",
]
DROP_REASONS: tuple[DropReason, ...] = get_args(DropReason)

EVENT_NAMES = frozenset(
    {"page_view", "view_item", "select_item", "add_to_cart", "begin_checkout", "purchase"}
)
VERSIONS = frozenset({"VF", "VO", "VOST", "VOSTFR", "VFSTF", "VOSTA", "AD"})

_SITE_KEY = re.compile(r"^sk_[A-Za-z0-9]{8,40}$")
_EVENT_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CONSENT = re.compile(r"^[a-z0-9:_,-]{0,512}$")
_TCF = re.compile(r"^[A-Za-z0-9_.-]{1,12000}$")
_CONTROL = re.compile(r"[\x00-\x1f]")
MAX_URL = 2048
MAX_TEXT = 200


class HitError(Exception):
    def __init__(self, reason: DropReason, detail: str, site_key: str = "") -> None:
        self.reason: DropReason = reason
        self.detail = detail
        self.site_key = site_key  # known when the error came after a well-formed site key
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True)
class RawEvent:
    """One event as sent by the tag, validated but not yet minimised."""

    name: str
    url: str = ""
    referrer: str = ""
    event_id: str = ""
    film_key: str = ""
    film_title: str = ""
    show_id: str = ""
    show_start: str = ""
    version: str = ""
    quantity: int = 0
    value_cents: int = 0
    currency: str = ""
    order_id: str = ""


@dataclass(frozen=True)
class RawHit:
    """A request's worth of events from one page and one visitor."""

    site_key: str
    events: tuple[RawEvent, ...]
    visitor_id: str = ""  # first-party id set by the tag after consent; never stored raw
    consent: str | None = None  # the tag's own consent string (purposes), None if absent
    tcf: str | None = None  # IAB TCF v2 TC string (`gdpr_consent`), None if absent
    extra: Mapping[str, str] = field(default_factory=dict)


def _text(value: object, name: str, limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise HitError("invalid_event", f"{name} must be a string")
    if len(value) > limit:
        raise HitError("invalid_event", f"{name} longer than {limit} characters")
    if _CONTROL.search(value):
        raise HitError("invalid_event", f"{name} contains control characters")
    return value


def _token(value: object, name: str) -> str:
    s = _text(value, name, 64)
    if s and not _TOKEN.match(s):
        raise HitError("invalid_event", f"{name} has characters outside [A-Za-z0-9_.:-]")
    return s


def _number(value: object, name: str, parse: type[int] | type[float], lo: float, hi: float) -> float | None:
    """A JSON number or numeric string within [lo, hi]; None when absent."""
    if value is None or value == "":
        return None
    kind = "an integer" if parse is int else "a number"
    if isinstance(value, bool):
        raise HitError("invalid_event", f"{name} must be {kind}")
    if isinstance(value, str):
        try:
            value = parse(value)
        except ValueError:
            raise HitError("invalid_event", f"{name} must be {kind}") from None
    allowed = (int,) if parse is int else (int, float)
    if not isinstance(value, allowed) or not math.isfinite(value) or not lo <= value <= hi:
        raise HitError("invalid_event", f"{name} must be {kind} between {lo:g} and {hi:g}")
    return value


def _int(value: object, name: str, lo: int, hi: int) -> int:
    n = _number(value, name, int, lo, hi)
    return 0 if n is None else int(n)


def _money(value: object, name: str) -> int:
    """Amount in currency units (GA4 style, e.g. 7.5) to integer cents."""
    n = _number(value, name, float, 0, 100_000)
    return 0 if n is None else round(n * 100)


def parse_event(obj: Mapping[str, object]) -> RawEvent:
    name = obj.get("n", "page_view")
    if not isinstance(name, str) or name not in EVENT_NAMES:
        raise HitError("invalid_event", f"unknown event name {str(name)[:40]!r}")
    event_id = _text(obj.get("i"), "i", 64)
    if event_id and not _EVENT_ID.match(event_id):
        raise HitError("invalid_event", "event id must be 8 to 64 letters, digits or dashes")
    version = _text(obj.get("ver"), "ver", 10).upper()
    if version and version not in VERSIONS:
        raise HitError("invalid_event", f"unknown version {version!r}")
    currency = _text(obj.get("cur"), "cur", 3).upper()
    if currency and not _CURRENCY.match(currency):
        raise HitError("invalid_event", "currency must be a 3-letter ISO code")
    return RawEvent(
        name=name,
        url=_text(obj.get("u"), "u", MAX_URL),
        referrer=_text(obj.get("r"), "r", MAX_URL),
        event_id=event_id,
        film_key=_token(obj.get("film"), "film"),
        film_title=_text(obj.get("title"), "title"),
        show_id=_token(obj.get("show"), "show"),
        show_start=_text(obj.get("start"), "start", 40),
        version=version,
        quantity=_int(obj.get("qty"), "qty", 0, 100),
        value_cents=_money(obj.get("value"), "value"),
        currency=currency,
        order_id=_text(obj.get("order"), "order", 128),
    )


def _tcf(value: object) -> str | None:
    """The TC string's characters only; whether it decodes is the consent module's decision."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _TCF.match(value):
        raise HitError("malformed", "gdpr_consent must be a TC string (base64url segments)")
    return value


def _common(site_key: object, visitor: object, consent: object) -> tuple[str, str, str | None]:
    if not isinstance(site_key, str) or not _SITE_KEY.match(site_key):
        raise HitError("unknown_site", "missing or malformed site key")
    vid = "" if visitor in (None, "") else visitor
    if not isinstance(vid, str) or (vid and not _VISITOR_ID.match(vid)):
        raise HitError("malformed", "visitor id must be 8 to 64 letters, digits, _ or -")
    if consent is None:
        cons = None
    elif not isinstance(consent, str) or not _CONSENT.match(consent):
        raise HitError("malformed", "consent must be a short list of purposes")
    else:
        cons = consent
    return site_key, vid, cons


def parse_query(query_string: str) -> RawHit:
    """Pixel: GET /c/p.gif?k=SITE&n=page_view&u=URL&r=REF&i=EVENTID&v=VISITOR&c=CONSENT&film=..."""
    if len(query_string) > 8192:
        raise HitError("body_too_large", "query string longer than 8192 bytes")
    try:
        qs = parse_qs(query_string, keep_blank_values=False, strict_parsing=False, max_num_fields=40)
    except ValueError as exc:
        raise HitError("malformed", f"query string: {exc}") from None
    flat: dict[str, object] = {k: v[0] for k, v in qs.items() if v}
    site_key, vid, consent = _common(flat.get("k"), flat.get("v"), flat.get("c"))
    try:
        return RawHit(
            site_key=site_key,
            visitor_id=vid,
            consent=consent,
            tcf=_tcf(flat.get("gdpr_consent")),
            events=(parse_event(flat),),
        )
    except HitError as err:
        raise HitError(err.reason, err.detail, site_key) from None


def parse_beacon(body: bytes, max_events: int) -> RawHit:
    """Beacon: POST text/plain body {"k": SITE, "v": VISITOR, "c": CONSENT, "gdpr_consent": TC,
    "e": [{"n": ...}, ...]}."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:  # also invalid UTF-8, NaN and Infinity, deep nesting
        raise HitError("malformed", "body is not UTF-8 JSON") from None
    if not isinstance(doc, dict):
        raise HitError("malformed", "body must be a JSON object")
    site_key = doc.get("k")
    try:
        site_key, vid, consent = _common(site_key, doc.get("v"), doc.get("c"))
        return RawHit(
            site_key=site_key,
            visitor_id=vid,
            consent=consent,
            tcf=_tcf(doc.get("gdpr_consent")),
            events=_events(doc.get("e"), max_events),
        )
    except HitError as err:
        known = site_key if isinstance(site_key, str) and _SITE_KEY.match(site_key) else ""
        raise HitError(err.reason, err.detail, known) from None


def _events(events: object, max_events: int) -> tuple[RawEvent, ...]:
    if not isinstance(events, list) or not events:
        raise HitError("malformed", "'e' must be a non-empty list of events")
    if len(events) > max_events:
        raise HitError("too_many_events", f"{len(events)} events in one batch, at most {max_events}")
    parsed = []
    for ev in events:
        if not isinstance(ev, dict):
            raise HitError("invalid_event", "each event must be a JSON object")
        parsed.append(parse_event(ev))
    return tuple(parsed)
