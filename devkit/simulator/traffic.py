"""IO-free generation of simulated requests: visitors, consent states, funnels, bots, bad input."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

UAS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
)
BOT_UAS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
    "curl/8.5.0",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
)
FILMS = (
    ("anatomie-d-une-chute", "Anatomie d'une chute"),
    ("la-chimere", "La Chimère"),
    ("perfect-days", "Perfect Days"),
    ("le-regne-animal", "Le Règne animal"),
    ("l-histoire-de-souleymane", "L'Histoire de Souleymane"),
    ("the-zone-of-interest", "La Zone d'intérêt"),
)
REGION_NETS = ("10.11", "10.84", "10.93", "10.75", "10.76", "10.53", "10.52", "10.32", "10.44", "10.27")


@dataclass(frozen=True)
class SimSite:
    site_key: str
    cnc_id: str
    domains: tuple[str, ...]


@dataclass
class Visitor:
    ip: str
    ua: str
    consent: str | None  # purposes the visitor agreed to (the tag's API form)
    banner: str  # how the page reports it: "tag" (API), "tac" (tarteaucitron.js) or "klaro"
    gpc: bool
    first_party_id: str
    bot: bool


@dataclass(frozen=True)
class SimRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    cinema: str
    kind: str  # "beacon" | "pixel" | "bad:<expected reason>"
    events: int
    expected_status: int = 204
    raw_values: tuple[str, ...] = field(default_factory=tuple)


def consent_fields(visitor: Visitor) -> dict[str, str]:
    """What the tag sends for this visitor's choice: the API's purposes, or the banner's state."""
    if visitor.consent is None:
        return {}
    if visitor.banner == "tag":
        return {"c": visitor.consent}
    parts = visitor.consent.split(",")
    state = [f"artaud={'true' if 'pool' in parts else 'false'}"]
    state += [f"artaud_{p.split(':', 1)[1]}=true" for p in parts if p.startswith("partner:")]
    return {"cs": visitor.banner, "c": ",".join(state)}


def make_visitor(rng: random.Random) -> Visitor:
    net = rng.choice(REGION_NETS)
    ip = f"{net}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    bot = rng.random() < 0.05
    r = rng.random()
    if r < 0.45:
        consent: str | None = "measure,pool" + (",partner:demo-agency" if rng.random() < 0.5 else "")
    elif r < 0.80:
        consent = "measure"
    else:
        consent = None
    return Visitor(
        ip=ip,
        ua=rng.choice(BOT_UAS) if bot else rng.choice(UAS),
        consent=consent,
        banner=rng.choice(("tag", "tag", "tac", "tac", "klaro")),
        gpc=rng.random() < 0.05,
        first_party_id=uuid.UUID(int=rng.getrandbits(128)).hex,
        bot=bot,
    )


FUNNEL = ("page_view", "view_item", "select_item", "add_to_cart", "begin_checkout", "purchase")
FUNNEL_P = (1.0, 0.6, 0.35, 0.2, 0.15, 0.1)


def _event(rng: random.Random, name: str, host: str, film: tuple[str, str], eid: str) -> dict[str, object]:
    path = {
        "page_view": rng.choice(["/", "/programme", "/infos-pratiques", "/evenements"]),
        "view_item": f"/films/{film[0]}",
    }.get(name, f"/reservation/{film[0]}")
    query = ""
    if rng.random() < 0.3:
        query = "?" + urlencode(
            {"utm_source": "newsletter", "email": "spectateur@example.org", "film": film[0]}
        )
    ev: dict[str, object] = {
        "n": name,
        "u": f"https://{host}{path}{query}",
        "i": eid,
    }
    if rng.random() < 0.3:
        ev["r"] = "https://www.google.com/search?q=cinema+art+et+essai"
    if name != "page_view":
        ev["film"] = film[0]
        ev["title"] = film[1]
    if name in ("select_item", "add_to_cart", "begin_checkout", "purchase"):
        ev["show"] = f"S{rng.randint(1000, 9999)}"
        ev["ver"] = rng.choice(["VF", "VOST"])
    if name in ("add_to_cart", "begin_checkout", "purchase"):
        qty = rng.randint(1, 4)
        ev["qty"] = qty
        ev["value"] = round(qty * rng.choice([5.0, 6.5, 7.5, 9.0]), 2)
        ev["cur"] = "EUR"
    if name == "purchase":
        ev["order"] = f"CMD-{rng.randint(10**6, 10**7)}"
    return ev


def next_request(
    rng: random.Random, sites: list[SimSite], visitors: list[Visitor], id_prefix: str, n: int
) -> SimRequest:
    """Request number `n`; its events get ids `{id_prefix}{n}-{k}` so a run can be counted exactly."""
    site = rng.choice(sites)
    host = rng.choice(site.domains)
    r = rng.random()
    if r < 0.03:
        return _bad(rng, site, host)
    visitor = rng.choice(visitors)
    film = rng.choice(FILMS)
    names = [name for name, p in zip(FUNNEL, FUNNEL_P, strict=True) if rng.random() < p][:3] or ["page_view"]
    events = [_event(rng, name, host, film, f"{id_prefix}{n}-{k}") for k, name in enumerate(names)]
    headers = {"User-Agent": visitor.ua, "X-Forwarded-For": visitor.ip, "Origin": f"https://{host}"}
    if visitor.gpc:
        headers["Sec-GPC"] = "1"
    raw = (visitor.ip, visitor.ua, visitor.first_party_id, "spectateur@example.org")
    if rng.random() < 0.1:
        ev = events[0]
        qs = {"k": site.site_key, **{k: str(v) for k, v in ev.items()}}
        if visitor.consent and "pool" in visitor.consent:
            qs.update(v=visitor.first_party_id, **consent_fields(visitor))
        h = {k: v for k, v in headers.items() if k != "Origin"}
        h["Referer"] = f"https://{host}/"
        return SimRequest("GET", "/c/p.gif?" + urlencode(qs), h, b"", site.cnc_id, "pixel", 1, 200, raw)
    doc: dict[str, object] = {"k": site.site_key, "e": events}
    doc.update(consent_fields(visitor))
    if visitor.consent and "pool" in visitor.consent:
        doc["v"] = visitor.first_party_id
    headers["Content-Type"] = "text/plain;charset=UTF-8"
    return SimRequest(
        "POST", "/c/e", headers, json.dumps(doc).encode(), site.cnc_id, "beacon", len(events), 204, raw
    )


def _bad(rng: random.Random, site: SimSite, host: str) -> SimRequest:
    h = {"User-Agent": UAS[0], "Origin": f"https://{host}", "Content-Type": "text/plain"}
    ev = {"n": "page_view", "u": f"https://{host}/"}
    kind = rng.choice(["malformed", "unknown_site", "origin_mismatch", "invalid_event", "body_too_large"])
    if kind == "malformed":
        body = b'{"k": "' + site.site_key.encode() + b'", "e": [ {"n": '
        return SimRequest("POST", "/c/e", h, body, site.cnc_id, "bad:malformed", 0, 400)
    if kind == "unknown_site":
        body = json.dumps({"k": "sk_doesnotexist0000", "e": [ev]}).encode()
        return SimRequest("POST", "/c/e", h, body, "unknown", "bad:unknown_site", 0, 403)
    if kind == "origin_mismatch":
        h["Origin"] = "https://pirate.example"
        body = json.dumps(
            {"k": site.site_key, "e": [{"n": "page_view", "u": "https://pirate.example/"}]}
        ).encode()
        return SimRequest("POST", "/c/e", h, body, site.cnc_id, "bad:origin_mismatch", 0, 403)
    if kind == "invalid_event":
        body = json.dumps({"k": site.site_key, "e": [{"n": "drop_table", "u": f"https://{host}/"}]}).encode()
        return SimRequest("POST", "/c/e", h, body, site.cnc_id, "bad:invalid_event", 0, 400)
    body = json.dumps({"k": site.site_key, "e": [ev], "pad": "x" * 20000}).encode()
    return SimRequest("POST", "/c/e", h, body, site.cnc_id, "bad:body_too_large", 0, 413)
