"""The collector's WSGI callable: a lean hit path without a framework.

Routes: GET /c/p.gif (pixel), POST /c/e (beacon, text/plain JSON), POST /c/w (withdrawal),
GET /c/s (the partner ID sync frame), GET /c/t.js (tag), GET /healthz, GET /metrics. Every refusal
is a 4xx (503 when the sink is full) with a one-line reason and a per-cinema, per-reason counter;
nothing raw is logged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import orjson

from collector.agents import AgentClassifier, bot_reason
from collector.events import Edge, build_events, consent_record, suppression_record
from collector.geo import RegionResolver, network_prefix
from collector.hit import HitError, RawHit, parse_beacon, parse_query, parse_sync, parse_withdrawal
from collector.metrics import CollectorMetrics
from collector.pseudonym import Pseudonymiser, keyed_hash
from collector.salts import SaltStore, local_day
from collector.sink import EventSink, SinkFull
from collector.sites import Site, SiteDirectory
from collector.syncframe import document as sync_document
from collector.syncs import StaticSyncs, SyncDirectory
from collector.urls import host_of
from consent.decision import Decision, Policy, Signals, decide
from partners.sync import targets as sync_targets

log = logging.getLogger("artaud.collector")

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_STORE = ("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0")
STATUS = {
    "unknown_site": "403 Forbidden",
    "site_suspended": "403 Forbidden",
    "origin_mismatch": "403 Forbidden",
    "body_too_large": "413 Payload Too Large",
    "malformed": "400 Bad Request",
    "too_many_events": "400 Bad Request",
    "invalid_event": "400 Bad Request",
    "spool_full": "503 Service Unavailable",
}


# what the tag loads on demand (`collector/static/m/<name>.src.js`): the IAB TCF reader, the JSON-LD
# film reader, a ticketing iframe's side of the bridge, the partner ID sync, the installation check
MODULES = ("tcf", "ld", "bridge", "sync", "check")
DEFAULT_TAG_WAIT_MS = 1500


def _configured(script: bytes, cfg: bytes) -> bytes:
    return script.replace(b"ARTAUD_CFG", cfg) if b"ARTAUD_CFG" in script else script


def _cfg(policy: Policy, wait_ms: int) -> bytes:
    cfg = {
        "p": list(policy.tcf.pooled_purposes),
        "v": policy.tcf.scare_vendor_id,
        "s": policy.cmp_service,
        "g": int(policy.honour_gpc),
        "d": int(policy.honour_dnt),
        "w": wait_ms,
    }
    return json.dumps(cfg, separators=(",", ":")).encode()


def tag_script(policy: Policy, wait_ms: int = DEFAULT_TAG_WAIT_MS) -> bytes:
    """The tag as served: the minified build with the settings it needs to decide, in the browser,
    whether it may store an identifier (the collector decides the track again), and how long a page
    load's hits may wait for the consent tool's answer."""
    tag = resources.files("collector").joinpath("static/tag.js").read_bytes()
    assert tag.count(b"ARTAUD_CFG") == 1, "tag.js must name ARTAUD_CFG exactly once"
    return _configured(tag, _cfg(policy, wait_ms))


def module_scripts(policy: Policy, wait_ms: int = DEFAULT_TAG_WAIT_MS) -> dict[str, bytes]:
    """The tag's modules as served (`/c/m/<name>.js`), configured like the tag."""
    static = resources.files("collector").joinpath("static/m")
    cfg = _cfg(policy, wait_ms)
    return {name: _configured(static.joinpath(f"{name}.js").read_bytes(), cfg) for name in MODULES}


@dataclass(frozen=True)
class CollectorConfig:
    max_body_bytes: int = 16384
    max_events_per_batch: int = 50
    allowed_url_params: frozenset[str] = frozenset({"film", "seance", "show", "session"})
    trusted_proxies: frozenset[str] = frozenset({"127.0.0.1", "::1"})
    policy: Policy = field(default_factory=Policy)
    tag_wait_ms: int = DEFAULT_TAG_WAIT_MS


class CollectorApp:
    def __init__(
        self,
        *,
        config: CollectorConfig,
        sites: SiteDirectory,
        sink: EventSink,
        pseudonymiser: Pseudonymiser,
        salts: SaltStore,
        agents: AgentClassifier,
        regions: RegionResolver,
        metrics: CollectorMetrics,
        syncs: SyncDirectory | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cfg = config
        self.sites = sites
        self.sink = sink
        self.pseudo = pseudonymiser
        self.salts = salts
        self.agents = agents
        self.regions = regions
        self.metrics = metrics
        self.syncs: SyncDirectory = syncs if syncs is not None else StaticSyncs()
        self.clock = clock
        self.tag = tag_script(config.policy, config.tag_wait_ms)
        self.modules = {
            f"/c/m/{name}.js": script
            for name, script in module_scripts(config.policy, config.tag_wait_ms).items()
        }

    # -- WSGI -----------------------------------------------------------------
    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if path == "/c/p.gif" and method in ("GET", "HEAD"):
                return self._pixel(environ, start_response)
            if path == "/c/e":
                if method == "POST":
                    return self._beacon(environ, start_response)
                if method == "OPTIONS":
                    return self._reply(start_response, "204 No Content", b"", self._cors(environ))
                return self._reply(
                    start_response, "405 Method Not Allowed", b"use POST\n", [("Allow", "POST")]
                )
            if path == "/c/w":
                if method == "POST":
                    return self._withdraw(environ, start_response)
                return self._reply(
                    start_response, "405 Method Not Allowed", b"use POST\n", [("Allow", "POST")]
                )
            if path == "/c/s" and method in ("GET", "HEAD"):
                return self._sync(environ, start_response)
            if path == "/c/t.js" or path in self.modules:
                return self._reply(
                    start_response,
                    "200 OK",
                    self.tag if path == "/c/t.js" else self.modules[path],
                    [
                        ("Content-Type", "application/javascript; charset=utf-8"),
                        ("Cache-Control", "public, max-age=3600"),
                    ],
                )
            if path == "/c/check":
                if method == "POST":
                    return self._check(environ, start_response)
                return self._reply(
                    start_response, "405 Method Not Allowed", b"use POST\n", [("Allow", "POST")]
                )
            if path == "/healthz":
                ok = self.sink.healthy()
                body = json.dumps({"status": "ok" if ok else "sink_full"}).encode()
                return self._reply(
                    start_response,
                    "200 OK" if ok else "503 Service Unavailable",
                    body,
                    [("Content-Type", "application/json"), NO_STORE],
                )
            if path == "/metrics":
                return self._reply(
                    start_response,
                    "200 OK",
                    self.metrics.exposition(),
                    [("Content-Type", "text/plain; version=0.0.4")],
                )
            return self._reply(start_response, "404 Not Found", b"not found\n", [])
        except Exception:  # never a stack trace to the client; never the request data in logs
            log.exception("internal error on %s %s", method, path if len(path) < 40 else path[:40])
            return self._reply(start_response, "500 Internal Server Error", b"internal error\n", [])

    @staticmethod
    def _reply(
        start_response: StartResponse, status: str, body: bytes, headers: list[tuple[str, str]]
    ) -> list[bytes]:
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _cors(self, environ: Environ) -> list[tuple[str, str]]:
        origin = environ.get("HTTP_ORIGIN", "")
        if not origin:
            return []
        return [
            ("Access-Control-Allow-Origin", origin),
            ("Vary", "Origin"),
            ("Access-Control-Allow-Methods", "POST"),
            ("Access-Control-Allow-Headers", "Content-Type"),
        ]

    def _refuse(
        self, start_response: StartResponse, cinema: str, err: HitError, environ: Environ
    ) -> list[bytes]:
        if cinema == "unknown" and err.site_key:
            site = self.sites.lookup(err.site_key)
            cinema = site.cnc_id if site is not None else "unknown"
        self.metrics.drop(cinema, err.reason)
        headers = [("Content-Type", "text/plain; charset=utf-8"), NO_STORE, *self._cors(environ)]
        if err.reason == "spool_full":
            headers.append(("Retry-After", "5"))
        return self._reply(
            start_response, STATUS[err.reason], f"{err.reason}: {err.detail}\n".encode(), headers
        )

    # -- hit paths ------------------------------------------------------------
    def _pixel(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        try:
            hit = parse_query(
                environ.get("QUERY_STRING", ""), self.cfg.max_body_bytes, self.cfg.max_events_per_batch
            )
        except HitError as err:
            return self._refuse(start_response, "unknown", err, environ)
        return self._accept(hit, environ, start_response, pixel=True)

    def _body(self, environ: Environ) -> bytes:
        limit = self.cfg.max_body_bytes
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if length > limit:
            raise HitError("body_too_large", f"over {limit} bytes")
        stream = environ["wsgi.input"]
        body: bytes = stream.read(length) if length >= 0 else stream.read(limit + 1)
        if len(body) > limit:
            raise HitError("body_too_large", f"over {limit} bytes")
        return body

    def _withdraw(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        """The visitor withdrew: the pooled pseudonym of that id is suppressed from every later build
        and export (and the tag has already erased the id)."""
        try:
            site_key, visitor_id = parse_withdrawal(self._body(environ))
        except HitError as err:
            return self._refuse(start_response, "unknown", err, environ)
        site = self.sites.lookup(site_key)
        if site is None:
            return self._refuse(
                start_response, "unknown", HitError("unknown_site", "no cinema has this site key"), environ
            )
        evidence = host_of(environ.get("HTTP_ORIGIN", "")) or host_of(environ.get("HTTP_REFERER", ""))
        if not evidence or not site.allows(evidence):
            return self._refuse(
                start_response,
                site.cnc_id,
                HitError("origin_mismatch", "a withdrawal must come from one of this cinema's pages"),
                environ,
            )
        now = datetime.fromtimestamp(int(self.clock()), UTC)
        record = suppression_record(self.pseudo.pooled(visitor_id), site.cinema_id, now)
        try:
            self.sink.append([orjson.dumps(record)])
        except SinkFull as exc:
            return self._refuse(start_response, site.cnc_id, HitError("spool_full", str(exc)), environ)
        self.metrics.withdrawals.labels(site.cnc_id).inc()
        return self._reply(start_response, "204 No Content", b"", [NO_STORE, *self._cors(environ)])

    def _beacon(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        try:
            hit = parse_beacon(self._body(environ), self.cfg.max_events_per_batch)
        except HitError as err:
            return self._refuse(start_response, "unknown", err, environ)
        return self._accept(hit, environ, start_response, pixel=False)

    def _decide(self, hit: RawHit, environ: Environ, now: datetime) -> Decision:
        return decide(
            Signals(
                tag_purposes=hit.consent,
                cmp=hit.cmp,
                gpc=hit.gpc or environ.get("HTTP_SEC_GPC", "").strip() == "1",
                dnt=environ.get("HTTP_DNT", "").strip() == "1",
                tcf=hit.tcf,
            ),
            self.cfg.policy,
            now,
        )

    def _sync(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        """The partner ID sync frame: each registered partner that this hit's own consent signal covers
        gets the visitor's partner-scoped pseudonym (`partners/sync.py`, `collector/syncframe.py`)."""
        try:
            hit = parse_sync(
                environ.get("QUERY_STRING", ""), self.cfg.max_body_bytes, self.cfg.max_events_per_batch
            )
        except HitError as err:
            return self._refuse(start_response, "unknown", err, environ)
        site = self.sites.lookup(hit.site_key)
        if site is None:
            return self._refuse(
                start_response, "unknown", HitError("unknown_site", "no cinema has this site key"), environ
            )
        try:
            if not site.active:
                raise HitError("site_suspended", "this cinema's collection is suspended")
            self._check_origin(site, hit, environ)
        except HitError as err:
            return self._refuse(start_response, site.cnc_id, err, environ)
        decision = self._decide(hit, environ, datetime.fromtimestamp(int(self.clock()), UTC))
        targets: list[tuple[str, str]] = []
        if decision.pooled and decision.partners:
            pooled = self.pseudo.pooled(hit.visitor_id)
            targets = sync_targets(decision.partners, pooled, self.syncs.entries())
        for slug, _ in targets:
            self.metrics.syncs.labels(slug).inc()
        body, headers = sync_document(targets)
        return self._reply(start_response, "200 OK", body, headers)

    def _check_origin(self, site: Site, hit: RawHit, environ: Environ) -> None:
        evidence = host_of(environ.get("HTTP_ORIGIN", "")) or host_of(environ.get("HTTP_REFERER", ""))
        hosts = [host_of(e.url) for e in hit.events if e.url]
        if not evidence and not hosts:
            raise HitError("origin_mismatch", "no Origin, Referer or page URL to check")
        for h in [evidence, *hosts]:
            if h and not site.allows(h):
                raise HitError("origin_mismatch", "page is not on one of this cinema's domains")

    def client_ip(self, environ: Environ) -> str:
        peer = str(environ.get("REMOTE_ADDR", ""))
        fwd = environ.get("HTTP_X_FORWARDED_FOR")
        if fwd and peer in self.cfg.trusted_proxies:
            for cand in reversed([p.strip() for p in str(fwd).split(",")]):
                if cand and cand not in self.cfg.trusted_proxies:
                    return cand
        return peer

    def _edge(
        self, hit: RawHit, environ: Environ, pixel: bool
    ) -> tuple[Site, Edge, list[dict[str, Any]], dict[str, Any] | None]:
        """What the hit becomes at the edge: its cinema, what was derived from the request, its events
        and its consent record (None off the pooled track). Raises HitError for a refusal."""
        site = self.sites.lookup(hit.site_key)
        if site is None:
            raise HitError("unknown_site", "no cinema has this site key")
        if not site.active:
            raise HitError("site_suspended", "this cinema's collection is suspended", hit.site_key)
        try:
            self._check_origin(site, hit, environ)
        except HitError as err:
            raise HitError(err.reason, err.detail, hit.site_key) from None
        now = datetime.fromtimestamp(int(self.clock()), UTC)  # second resolution, like the column
        ip = self.client_ip(environ)
        ua = str(environ.get("HTTP_USER_AGENT", ""))
        salt = self.salts.salt_for(local_day(now), site.cinema_id)
        decision = self._decide(hit, environ, now)
        pooled = decision.pooled and bool(hit.visitor_id)
        edge = Edge(
            cinema_id=site.cinema_id,
            received_at=now,
            agent=self.agents.classify(ua),
            region=self.regions.region(ip),
            # the exempt hash is only computed for exempt-track hits
            exempt_visitor=""
            if pooled
            else "d." + keyed_hash(salt, str(site.cinema_id), network_prefix(ip), ua, length=24),
            exempt_salt=salt,
            decision=decision,
        )
        del ip, ua
        page = "" if not pixel else str(environ.get("HTTP_REFERER", ""))
        record = consent_record(hit, edge)
        events = build_events(
            hit,
            edge,
            self.pseudo,
            self.cfg.allowed_url_params,
            page_url=page,
            consent_id=record["consent_id"] if record else "",
        )
        return site, edge, events, record

    def _accept(
        self, hit: RawHit, environ: Environ, start_response: StartResponse, pixel: bool
    ) -> list[bytes]:
        try:
            site, edge, events, record = self._edge(hit, environ, pixel)
        except HitError as err:
            return self._refuse(start_response, "unknown", err, environ)
        cinema = site.cnc_id
        payloads = [orjson.dumps(e) for e in events]
        if record is not None:  # in the same write as its events: never one without the other
            payloads.insert(0, orjson.dumps(record))
        try:
            self.sink.append(payloads)
        except SinkFull as exc:
            return self._refuse(start_response, cinema, HitError("spool_full", str(exc)), environ)
        track = events[0]["track"]
        self.metrics.accept(cinema, track, len(events))
        if edge.agent.is_bot:
            self.metrics.bots.labels(cinema).inc(len(events))
        if pixel:
            return self._reply(start_response, "200 OK", GIF, [("Content-Type", "image/gif"), NO_STORE])
        return self._reply(start_response, "204 No Content", b"", [NO_STORE, *self._cors(environ)])

    def _check(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        """The installation check (`/c/m/check.js`): what the collector would do with this beacon body
        (the same decision as `/c/e`), as JSON, without storing or counting anything."""
        answer: dict[str, Any]
        try:
            hit = parse_beacon(self._body(environ), self.cfg.max_events_per_batch)
            _, edge, events, _ = self._edge(hit, environ, pixel=False)
            first = next((e for e in events if e["film_ref"]), events[0])
            answer = {
                "accepted": True,
                "track": events[0]["track"],
                "source": edge.decision.source,
                "purposes": events[0]["consent_purposes"],
                "objection": edge.decision.objection,
                "film_ref": first["film_ref"],
                "robot": bot_reason(str(environ.get("HTTP_USER_AGENT", ""))) if edge.agent.is_bot else None,
            }
        except HitError as err:
            answer = {"accepted": False, "reason": err.reason, "detail": err.detail}
        # readable from any page: a webmaster checks a page whose domain is not declared yet, and the
        # answer only judges the body that page sent (no cinema, no pseudonym, nothing stored)
        return self._reply(
            start_response,
            "200 OK",
            orjson.dumps(answer),
            [("Content-Type", "application/json"), NO_STORE, ("Access-Control-Allow-Origin", "*")],
        )
