"""IO-free parsing and validation of hits from the pixel query string and the beacon body.

Nothing here touches the network, disk or globals; every rejection is a HitError with a
reason from a closed set, which `collector/outcome.py` maps to a 4xx status (one exhaustive match)
and the app to a drop counter.
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
    "storage_unavailable",
    "too_slow",
    "unsupported_media_type",
    "rate_limited",
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
_CONSENT = re.compile(r"^[a-z0-9:_,=-]{0,512}$")
# `cs`: the tag's API, tarteaucitron, Klaro, or an IAB TCF CMP (then `c` is the TC string)
CONSENT_SOURCES = frozenset({"tag", "tac", "klaro", "tcf"})
MAX_ITEMS = 50
_TCF = re.compile(r"^[A-Za-z0-9_.-]{1,12000}$")
_CONTROL = re.compile(r"[\x00-\x1f]")
# a date, then a time to the minute, optional seconds (fractions dropped) and offset
_DATETIME = re.compile(
    r"(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))[T ]((?:[01]\d|2[0-3]):[0-5]\d)(:[0-5]\d)?(?:\.\d{1,9})?"
    r"(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?"
)
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
    film_director: str = ""  # only used to derive the cross-system film reference; not stored
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
    consent: str | None = None  # the tag's purposes list or a banner's state (`c`), None if absent
    cmp: str | None = None  # "tac" | "klaro" when `consent` is that banner's state (`cs`)
    tcf: str | None = None  # IAB TCF v2 TC string (`gdpr_consent`), None if absent
    gpc: bool = False  # navigator.globalPrivacyControl as the tag read it (`g`)
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


def _items(value: object) -> list[Mapping[str, object]]:
    """GA4 `items`: a list of objects (the first one names the film and the séance)."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise HitError("invalid_event", f"items must be a list of at most {MAX_ITEMS} objects")
    if not all(isinstance(it, dict) for it in value):
        raise HitError("invalid_event", "each item must be a JSON object")
    return value


def _pick(*values: object) -> object:
    """The first given value (not None, not empty): a short key, then its GA4 name."""
    for value in values:
        if value is not None and value != "":
            return value
    return None


def show_start(value: object) -> str:
    """A séance's start as a date-time (`2026-11-25T20:30`, seconds and an offset kept when given), or
    "" when it is not one: the field is free in a dataLayer, so anything else is dropped, not kept."""
    text = _text(value, "start", 40)
    found = _DATETIME.fullmatch(text.strip())
    if found is None:
        return ""
    day, hour, seconds, offset = found.groups()
    return f"{day}T{hour}{seconds or ''}{offset or ''}"


def parse_event(obj: Mapping[str, object]) -> RawEvent:
    """One event: the tag's short keys, or GA4 e-commerce names (`value`, `currency`,
    `transaction_id`, `items[]` with `item_id`, `item_name`, `item_variant`, `quantity`, and the
    custom item parameters `show_id`, `show_start`) as a dataLayer holds them. Only the keys present
    are looked at (the tag's page views carry four)."""
    get = obj.get
    name = get("n", "page_view")
    if not isinstance(name, str) or name not in EVENT_NAMES:
        raise HitError("invalid_event", f"unknown event name {str(name)[:40]!r}")
    event_id = get("i")
    if event_id is not None:
        event_id = _text(event_id, "i", 64)
        if event_id and not _EVENT_ID.match(event_id):
            raise HitError("invalid_event", "event id must be 8 to 64 letters, digits or dashes")
    raw_items = get("items")
    items = _items(raw_items) if raw_items is not None else []
    if items:
        first = items[0]
        film = _pick(get("film"), first.get("item_id"))
        title = _pick(get("title"), first.get("item_name"))
        show = _pick(get("show"), first.get("show_id"))
        start = _pick(get("start"), first.get("show_start"))
        ver = _pick(get("ver"), first.get("item_variant"))
    else:
        film, title, show, start, ver = get("film"), get("title"), get("show"), get("start"), get("ver")
    cur, order, qty, value = (
        _pick(get("cur"), get("currency")),
        _pick(get("order"), get("transaction_id")),
        get("qty"),
        get("value"),
    )
    version = _text(ver, "ver", 10).upper() if ver is not None else ""
    if version and version not in VERSIONS:
        raise HitError("invalid_event", f"unknown version {version!r}")
    currency = _text(cur, "cur", 3).upper() if cur is not None else ""
    if currency and not _CURRENCY.match(currency):
        raise HitError("invalid_event", "currency must be a 3-letter ISO code")
    quantity = _int(qty, "qty", 0, 100) if qty is not None else 0
    if not quantity and items:
        quantity = sum(_int(it.get("quantity"), "items[].quantity", 0, 100) for it in items)
        if quantity > 100:
            raise HitError("invalid_event", "items[].quantity must add up to at most 100")
    u, r, d = get("u"), get("r"), get("dir")
    return RawEvent(
        name=name,
        url=_text(u, "u", MAX_URL) if u is not None else "",
        referrer=_text(r, "r", MAX_URL) if r is not None else "",
        event_id=event_id or "",
        film_key=_token(film, "film") if film is not None else "",
        film_title=_text(title, "title") if title is not None else "",
        film_director=_text(d, "dir") if d is not None else "",
        show_id=_token(show, "show") if show is not None else "",
        show_start=show_start(start) if start is not None else "",
        version=version,
        quantity=quantity,
        value_cents=_money(value, "value") if value is not None else 0,
        currency=currency,
        order_id=_text(order, "order", 128) if order is not None else "",
    )


def _tcf(value: object) -> str | None:
    """The TC string's characters only; whether it decodes is the consent module's decision."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _TCF.match(value):
        raise HitError("malformed", "gdpr_consent must be a TC string (base64url segments)")
    return value


@dataclass(frozen=True)
class _Common:
    site_key: str
    visitor_id: str
    consent: str | None
    cmp: str | None
    tcf: str | None
    gpc: bool


def _common(doc: Mapping[str, object]) -> _Common:
    site_key = doc.get("k")
    if not isinstance(site_key, str) or not _SITE_KEY.match(site_key):
        raise HitError("unknown_site", "missing or malformed site key")
    visitor = doc.get("v")
    vid = "" if visitor in (None, "") else visitor
    if not isinstance(vid, str) or (vid and not _VISITOR_ID.match(vid)):
        raise HitError("malformed", "visitor id must be 8 to 64 letters, digits, _ or -", site_key)
    source = doc.get("cs")
    if source is not None and (not isinstance(source, str) or source not in CONSENT_SOURCES):
        raise HitError("malformed", "cs must be one of tag, tac, klaro, tcf", site_key)
    consent = doc.get("c")
    tc = doc.get("gdpr_consent")
    if source == "tcf":  # the tag sends a TCF CMP's TC string as the signal of its source
        if tc not in (None, ""):
            raise HitError(
                "malformed", "a TC string goes in c (with cs=tcf) or in gdpr_consent, not both", site_key
            )
        tc, consent = consent, None
    if consent is not None and (not isinstance(consent, str) or not _CONSENT.match(consent)):
        raise HitError("malformed", "consent must be a short list of purposes or banner states", site_key)
    gpc = doc.get("g")  # 1 / 0, "1" / "0" from the pixel, or JSON true / false
    if gpc not in (None, 0, 1, "0", "1"):
        raise HitError("malformed", "g (Global Privacy Control) must be 0 or 1", site_key)
    try:
        tcf = _tcf(tc)
    except HitError as err:
        raise HitError(err.reason, err.detail, site_key) from None
    return _Common(
        site_key=site_key,
        visitor_id=vid,
        consent=consent if isinstance(consent, str) else ("" if source in ("tac", "klaro") else None),
        cmp=source if source in ("tac", "klaro") else None,
        tcf=tcf,
        gpc=gpc in (1, "1"),
    )


def _hit(common: _Common, events: tuple[RawEvent, ...]) -> RawHit:
    return RawHit(
        site_key=common.site_key,
        visitor_id=common.visitor_id,
        consent=common.consent,
        cmp=common.cmp,
        tcf=common.tcf,
        gpc=common.gpc,
        events=events,
    )


def parse_query(query_string: str, max_body: int = 16384, max_events: int = 50) -> RawHit:
    """Pixel: GET /c/p.gif?k=SITE&n=page_view&u=URL&r=REF&i=EVENTID&v=VISITOR&c=CONSENT&film=...,
    or GET /c/p.gif?b=<a beacon body> (the tag's way out in browsers without sendBeacon)."""
    if len(query_string) > max(8192, 3 * max_body + 8):  # percent-encoding triples a byte at most
        raise HitError("body_too_large", "query string too long")
    try:
        qs = parse_qs(query_string, keep_blank_values=False, strict_parsing=False, max_num_fields=40)
    except ValueError as exc:
        raise HitError("malformed", f"query string: {exc}") from None
    if "b" in qs:
        if len(qs) > 1:
            raise HitError("malformed", "b (a beacon body) comes alone")
        raw = qs["b"][0].encode()
        if len(raw) > max_body:
            raise HitError("body_too_large", f"body over {max_body} bytes")
        return parse_beacon(raw, max_events)
    if len(query_string) > 8192:
        raise HitError("body_too_large", "query string longer than 8192 bytes")
    flat: dict[str, object] = {k: v[0] for k, v in qs.items() if v}
    flat.pop("items", None)  # GA4 item lists only travel in beacon bodies
    common = _common(flat)
    try:
        return _hit(common, (parse_event(flat),))
    except HitError as err:
        raise HitError(err.reason, err.detail, common.site_key) from None


def parse_beacon(body: bytes, max_events: int) -> RawHit:
    """Beacon: POST text/plain body {"k": SITE, "v": VISITOR, "c": CONSENT, "cs": SOURCE, "g": 1,
    "gdpr_consent": TC, "e": [{"n": ...}, ...]}."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:  # also invalid UTF-8, NaN and Infinity, deep nesting
        raise HitError("malformed", "body is not UTF-8 JSON") from None
    if not isinstance(doc, dict):
        raise HitError("malformed", "body must be a JSON object")
    common = _common(doc)
    try:
        return _hit(common, _events(doc.get("e"), max_events))
    except HitError as err:
        raise HitError(err.reason, err.detail, common.site_key) from None


def parse_sync(query_string: str, max_body: int, max_events: int) -> RawHit:
    """Partner ID sync frame: GET /c/s?b=<the beacon body of the hit that opened it>, so that the
    collector decides the consent from the very signal that hit carried. Needs a visitor id."""
    if len(query_string) > 3 * max_body + 8:  # percent-encoding triples a byte at most
        raise HitError("body_too_large", f"body over {max_body} bytes")
    try:
        qs = parse_qs(query_string, keep_blank_values=False, strict_parsing=False, max_num_fields=4)
    except ValueError as exc:
        raise HitError("malformed", f"query string: {exc}") from None
    body = qs.get("b")
    if not body:
        raise HitError("malformed", "b (the hit's beacon body) is required")
    raw = body[0].encode()
    if len(raw) > max_body:
        raise HitError("body_too_large", f"body over {max_body} bytes")
    hit = parse_beacon(raw, max_events)
    if not hit.visitor_id:
        raise HitError("malformed", "the sync frame is for a visitor with an id", hit.site_key)
    return hit


def parse_withdrawal(body: bytes) -> tuple[str, str]:
    """Withdrawal: POST text/plain body {"k": SITE, "v": VISITOR}, sent by the tag when the visitor
    withdraws the consent under which it stored that first-party id. Returns (site key, id)."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise HitError("malformed", "body is not UTF-8 JSON") from None
    if not isinstance(doc, dict):
        raise HitError("malformed", "body must be a JSON object")
    common = _common({"k": doc.get("k"), "v": doc.get("v")})
    if not common.visitor_id:
        raise HitError("malformed", "a withdrawal names the visitor id it withdraws", common.site_key)
    return common.site_key, common.visitor_id


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
