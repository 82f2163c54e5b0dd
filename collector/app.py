"""The collector's hit path, without a framework: a `Request` value in, a `Response` value out.

Routes: GET /c/p.gif (pixel), POST /c/e (beacon, text/plain JSON), POST /c/w (withdrawal),
GET /c/s (the partner ID sync frame), POST /c/check (the installation check, a dry run),
GET /c/t.js and /c/m/<name>.js (the tag and its modules), GET /healthz. Every refusal is a 4xx (503
when the sink is full) with a one-line reason and a per-cinema, per-reason counter; nothing raw is
logged. The counters are served on a port of their own by the supervisor, never here.

Granian's workers serve it through `collector/rsgi.py`; `__call__` is the same path under WSGI (the
tests drive it with werkzeug's client).
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import orjson

from artaud.collector import evidence, minimise
from artaud.collector.agents import AgentClassifier, bot_reason
from artaud.collector.config import CollectorConfig
from artaud.collector.events import Edge, build_events, consent_record, link_records, suppression_record
from artaud.collector.geo import RegionResolver, network_prefix
from artaud.collector.hit import HitError, RawHit, parse_beacon, parse_query, parse_sync, parse_withdrawal
from artaud.collector.http import Response, status_line, status_of
from artaud.collector.idlimit import NewIdLimit
from artaud.collector.metrics import CollectorMetrics
from artaud.collector.pseudonym import Pseudonymiser, keyed_hash
from artaud.collector.request import Request, client_ip
from artaud.collector.salts import SaltStore, SaltUnavailable, local_day
from artaud.collector.sink import EventSink, SinkFull
from artaud.collector.sites import Site, SiteDirectory
from artaud.collector.syncframe import document as sync_document
from artaud.collector.syncs import StaticSyncs, SyncDirectory
from artaud.collector.tag import module_scripts, tag_script
from artaud.consent.decision import Decision, Signals, decide
from artaud.partners.sync import targets as sync_targets

log = logging.getLogger("artaud.collector")

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_STORE = ("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0")
SCRIPT = [
    ("Content-Type", "application/javascript; charset=utf-8"),
    ("Cache-Control", "public, max-age=3600"),
]
ROUTES = frozenset({"/c/e", "/c/p.gif", "/c/w", "/c/s", "/c/check", "/healthz", "/readyz"})
# what `/readyz` still answers 200 to: hits are taken (into the spool) while the drain is stalled
READY = frozenset({"ok", "drain_stalled"})
# what a body may be: the tag's text/plain (sendBeacon, fetch with a string body), JSON from a server
BODY_TYPES = ("text/plain", "application/json")


def _post_only() -> Response:
    return Response(405, [("Allow", "POST"), ("Content-Type", "text/plain; charset=utf-8")], b"use POST\n")


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
        new_ids: NewIdLimit | None = None,
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
        self.new_ids = new_ids or NewIdLimit(config.new_ids_per_network_hour)
        self._decisions: dict[Signals, Decision] = {}
        self._second: tuple[int, datetime, date] = (-1, datetime.min, date.min)
        self.scripts = {"/c/t.js": tag_script(config.policy, config.tag_wait_ms)} | {
            f"/c/m/{name}.js": script
            for name, script in module_scripts(config.policy, config.tag_wait_ms).items()
        }

    # -- routing ----------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        path, method = req.path, req.method
        try:
            if path == "/c/e":
                return self._beacon(req) if method == "POST" else _post_only()
            if path == "/c/p.gif" and method in ("GET", "HEAD"):
                return self._pixel(req)
            if path == "/c/w":
                return self._withdraw(req) if method == "POST" else _post_only()
            if path == "/c/s" and method in ("GET", "HEAD"):
                return self._sync(req)
            if path in self.scripts and method in ("GET", "HEAD"):
                return Response(200, SCRIPT, self.scripts[path])
            if path == "/c/check":
                return self._check(req) if method == "POST" else _post_only()
            if path in ("/healthz", "/readyz"):
                # /healthz: everything is well (for monitoring); /readyz: hits can be taken now (for a
                # load balancer: a stalled drain still leaves room in the spool)
                status = self.sink.health()
                body = orjson.dumps({"status": status})
                ok = status == "ok" if path == "/healthz" else status in READY
                return Response(200 if ok else 503, [("Content-Type", "application/json"), NO_STORE], body)
            return Response(404, [("Content-Type", "text/plain; charset=utf-8")], b"not found\n")
        except Exception:  # never a stack trace to the client; never the request data in logs
            route = path if path in ROUTES or path in self.scripts else "(other)"  # never the path as sent
            log.exception("internal error on %s", route)
            return Response(500, [("Content-Type", "text/plain; charset=utf-8")], b"internal error\n")

    # -- refusals ---------------------------------------------------------------
    def refusal(self, err: HitError, site: Site | None = None, origin: str = "") -> Response:
        """A refusal, counted by cinema and reason. `site`: the cinema the request named, when known
        (its pages may read the answer: CORS for its domains only)."""
        if site is None and err.site_key:
            site = self.sites.lookup(err.site_key)
        self.metrics.drop(site.cnc_id if site is not None else "unknown", err.reason)
        headers = [("Content-Type", "text/plain; charset=utf-8"), NO_STORE, *evidence.cors(site, origin)]
        if err.reason in ("spool_full", "storage_unavailable"):
            headers.append(("Retry-After", "5"))
        return Response(status_of(err.reason), headers, f"{err.reason}: {err.detail}\n".encode())

    def _body(self, req: Request) -> bytes:
        ctype = req.header("content-type").split(";", 1)[0].strip().lower()
        if ctype and ctype not in BODY_TYPES:
            raise HitError("unsupported_media_type", "send the body as text/plain (or application/json)")
        if len(req.body) > self.cfg.max_body_bytes:
            raise HitError("body_too_large", f"over {self.cfg.max_body_bytes} bytes")
        return req.body

    # -- hit paths --------------------------------------------------------------
    def _pixel(self, req: Request) -> Response:
        try:
            hit = parse_query(req.query, self.cfg.max_body_bytes, self.cfg.max_events_per_batch)
        except HitError as err:
            return self.refusal(err, origin=req.header("origin"))
        return self._accept(hit, req, pixel=True)

    def _beacon(self, req: Request) -> Response:
        try:
            hit = parse_beacon(self._body(req), self.cfg.max_events_per_batch)
        except HitError as err:
            return self.refusal(err, origin=req.header("origin"))
        return self._accept(hit, req, pixel=False)

    def _site(self, site_key: str, req: Request, urls: Iterable[str]) -> Site:
        """The active cinema of this site key, from whose pages the request comes (collector/evidence.py)."""
        site = self.sites.lookup(site_key)
        if site is None:
            raise HitError("unknown_site", "no cinema has this site key")
        if not site.active:
            raise HitError("site_suspended", "this cinema's collection is suspended", site_key)
        try:
            evidence.check(site, req.header("origin"), req.header("referer"), urls)
        except HitError as err:
            raise HitError(err.reason, err.detail, site_key) from None
        return site

    def _withdraw(self, req: Request) -> Response:
        """The visitor withdrew: the pooled pseudonym of that id is suppressed from every later build
        and export (and the tag has already erased the id)."""
        origin = req.header("origin")
        try:
            site_key, visitor_id = parse_withdrawal(self._body(req))
            site = self._site(site_key, req, ())
        except HitError as err:
            return self.refusal(err, origin=origin)
        now = datetime.fromtimestamp(int(self.clock()), UTC)
        # the person's pseudonym under every live key version: a rotation's grace period keeps two
        records = [suppression_record(p, site.cinema_id, now) for p in self.pseudo.all_pooled(visitor_id)]
        try:
            self.sink.append([orjson.dumps(r) for r in records])
        except SinkFull as exc:
            return self.refusal(HitError("spool_full", str(exc)), site, origin)
        self.metrics.withdrawals.labels(site.cnc_id).inc()
        return Response(204, [NO_STORE, *evidence.cors(site, origin)])

    def _decide(self, hit: RawHit, req: Request, now: datetime) -> Decision:
        signals = Signals(
            tag_purposes=hit.consent,
            cmp=hit.cmp,
            gpc=hit.gpc or req.header("sec-gpc").strip() == "1",
            dnt=req.header("dnt").strip() == "1",
            tcf=hit.tcf,
        )
        if signals.tcf is not None:  # a TC string's decision depends on its age: decided each time
            return decide(signals, self.cfg.policy, now)
        decision = self._decisions.get(signals)
        if decision is None:  # the same few banner states and purpose lists come again and again
            if len(self._decisions) > 4096:
                self._decisions.clear()
            decision = self._decisions[signals] = decide(signals, self.cfg.policy, now)
        return decision

    def _now(self) -> tuple[datetime, date]:
        """This second, and the cinemas' day (Europe/Paris) it falls in."""
        second = int(self.clock())
        if second != self._second[0]:
            now = datetime.fromtimestamp(second, UTC)
            self._second = (second, now, local_day(now))
        return self._second[1], self._second[2]

    def _sync(self, req: Request) -> Response:
        """The partner ID sync frame: each registered partner that this hit's own consent signal covers
        gets the visitor's partner-scoped pseudonym (`partners/sync.py`, `collector/syncframe.py`)."""
        try:
            hit = parse_sync(req.query, self.cfg.max_body_bytes, self.cfg.max_events_per_batch)
            self._site(hit.site_key, req, (e.url for e in hit.events if e.url))
        except HitError as err:
            return self.refusal(err)
        decision = self._decide(hit, req, datetime.fromtimestamp(int(self.clock()), UTC))
        targets: list[tuple[str, str]] = []
        if decision.pooled and decision.partners:
            pooled = self.pseudo.pooled(hit.visitor_id)
            targets = sync_targets(decision.partners, pooled, self.syncs.entries())
        for slug, _ in targets:
            self.metrics.syncs.labels(slug).inc()
        body, headers = sync_document(targets)
        return Response(200, headers, body)

    def client_ip(self, req: Request) -> str:
        return client_ip(req, self.cfg.trusted_proxies)

    def _edge(
        self, hit: RawHit, req: Request, pixel: bool
    ) -> tuple[Site, Edge, list[dict[str, Any]], dict[str, Any] | None]:
        """What the hit becomes at the edge: its cinema, what was derived from the request, its events
        and its consent record (None off the pooled track). Raises HitError for a refusal."""
        site = self._site(hit.site_key, req, (e.url for e in hit.events if e.url))
        now, day = self._now()  # second resolution, like the column
        ip = self.client_ip(req)
        ua = req.header("user-agent")
        try:
            salt = self.salts.salt_for(day, site.cinema_id)
        except SaltUnavailable as exc:  # a disk error: a counted 503, not a 500
            raise HitError("storage_unavailable", str(exc)) from None
        decision = self._decide(hit, req, now)
        if (
            decision.pooled
            and hit.visitor_id
            and not self.new_ids.allow(
                keyed_hash(salt, "network", str(site.cinema_id), network_prefix(ip)),
                keyed_hash(salt, "id", hit.visitor_id, length=16),
            )
        ):  # too many new identifiers from this network today: the exempt track (collector/idlimit.py)
            decision = replace(decision, pooled=False, partners=frozenset(), objection="limited")
            self.metrics.limited.labels(site.cnc_id).inc()
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
        secrets = minimise.Secrets((ip, ua, hit.visitor_id))
        del ip, ua
        record = consent_record(hit, edge, self.pseudo, self.cfg.policy.tcf)
        events = build_events(
            hit,
            edge,
            self.pseudo,
            self.cfg.allowed_url_params,
            page_url=req.header("referer") if pixel else "",
            consent_id=record["consent_id"] if record else "",
            secrets=secrets,
        )
        return site, edge, events, record

    def _accept(self, hit: RawHit, req: Request, pixel: bool) -> Response:
        origin = req.header("origin")
        try:
            site, edge, events, record = self._edge(hit, req, pixel)
        except HitError as err:
            return self.refusal(err, origin=origin)
        payloads = [orjson.dumps(e) for e in events]
        if record is not None:  # in the same write as its events: never one without the other
            payloads.insert(0, orjson.dumps(record))
            older = self.pseudo.older_pooled(hit.visitor_id)  # only during a pooled-key rotation
            if older:
                payloads[1:1] = [
                    orjson.dumps(r) for r in link_records(events[0]["visitor"], older, edge.received_at)
                ]
        try:
            self.sink.append(payloads)
        except SinkFull as exc:
            return self.refusal(HitError("spool_full", str(exc)), site, origin)
        cinema = site.cnc_id
        self.metrics.accept(cinema, events[0]["track"], len(events))
        if edge.agent.is_bot:
            self.metrics.bots.labels(cinema).inc(len(events))
        if pixel:
            return Response(200, [("Content-Type", "image/gif"), NO_STORE], GIF)
        return Response(204, [NO_STORE, *evidence.cors(site, origin)])

    def _check(self, req: Request) -> Response:
        """The installation check (`/c/m/check.js`): what the collector would do with this beacon body
        (the same decision as `/c/e`), as JSON, without storing or counting anything."""
        answer: dict[str, Any]
        try:
            hit = parse_beacon(self._body(req), self.cfg.max_events_per_batch)
            _, edge, events, _ = self._edge(hit, req, pixel=False)
            first = next((e for e in events if e["film_ref"]), events[0])
            answer = {
                "accepted": True,
                "track": events[0]["track"],
                "source": edge.decision.source,
                "purposes": events[0]["consent_purposes"],
                "objection": edge.decision.objection,
                "film_ref": first["film_ref"],
                "robot": bot_reason(req.header("user-agent")) if edge.agent.is_bot else None,
            }
        except HitError as err:
            answer = {"accepted": False, "reason": err.reason, "detail": err.detail}
        # readable from any page: a webmaster checks a page whose domain is not declared yet, and the
        # answer only judges the body that page sent (no cinema, no pseudonym, nothing stored)
        return Response(
            200,
            [("Content-Type", "application/json"), NO_STORE, ("Access-Control-Allow-Origin", "*")],
            orjson.dumps(answer),
        )

    # -- WSGI ---------------------------------------------------------------------
    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """The same path as a WSGI callable (werkzeug's test client, any WSGI server)."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        limit = self.cfg.max_body_bytes
        body = b""
        if environ.get("REQUEST_METHOD") == "POST":
            if length > limit:
                body = b"\0" * (limit + 1)  # refused as too large without reading it
            else:
                stream = environ.get("wsgi.input") or io.BytesIO()
                body = stream.read(length) if length >= 0 else stream.read(limit + 1)
        headers = {
            k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        res = self.handle(
            Request(
                method=str(environ.get("REQUEST_METHOD", "GET")),
                path=str(environ.get("PATH_INFO", "")),
                query=str(environ.get("QUERY_STRING", "")),
                headers=headers,
                body=body,
                peer=str(environ.get("REMOTE_ADDR", "")),
            )
        )
        start_response(status_line(res.status), [*res.headers, ("Content-Length", str(len(res.body)))])
        return [res.body]
