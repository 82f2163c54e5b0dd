"""The collector as a service around the IO-free hit pipeline (`collector/pipeline.py`): routes a
`Request` value, stores what the pipeline accepted, counts, and answers a `Response` value.

Routes: GET /c/p.gif (pixel), POST /c/e (beacon, text/plain JSON), POST /c/w (withdrawal),
POST /c/r (a visitor's rights ticket), GET /c/s (the partner ID sync frame), POST /c/check (the
installation check, a dry run), GET /c/t.js and /c/m/<name>.js (the tag and its modules), GET /c/r.js
(the rights link's script, never loaded by the tag), GET /healthz and /readyz. Every refusal is
a 4xx (503 when the sink is full) with a one-line reason and a per-cinema, per-reason counter;
nothing raw is logged. The counters are served on a port of their own by the supervisor, never here.

Granian's workers serve `handle` through `collector/rsgi.py`; `__call__` is the same path under WSGI
(the tests drive it with werkzeug's client).
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar, assert_never, cast

import orjson

from artaud.collector import evidence
from artaud.collector.agents import AgentClassifier
from artaud.collector.config import CollectorConfig
from artaud.collector.geo import RegionResolver
from artaud.collector.hit import DropReason
from artaud.collector.http import NO_STORE, TEXT, Response, status_line
from artaud.collector.idlimit import NewIdLimit
from artaud.collector.metrics import CollectorMetrics
from artaud.collector.outcome import Accepted, Outcome, Refused, status_of
from artaud.collector.pipeline import HitPipeline
from artaud.collector.pseudonym import Pseudonymiser
from artaud.collector.request import Request, client_ip
from artaud.collector.salts import SaltStore
from artaud.collector.sink import EventSink, SinkFull
from artaud.collector.sites import SiteDirectory
from artaud.collector.syncs import StaticSyncs, SyncDirectory
from artaud.collector.tag import module_scripts, rights_script, tag_script

log = logging.getLogger("artaud.collector")

StartResponse = Callable[..., Any]
Environ = dict[str, Any]
T = TypeVar("T")

SCRIPT = [
    ("Content-Type", "application/javascript; charset=utf-8"),
    ("Cache-Control", "public, max-age=3600"),
]
ROUTES = frozenset({"/c/e", "/c/p.gif", "/c/w", "/c/r", "/c/s", "/c/check", "/healthz", "/readyz"})
# what `/readyz` still answers 200 to: hits are taken (into the spool) while the drain is stalled
READY = frozenset({"ok", "drain_stalled"})


def _post_only() -> Response:
    return Response(405, [("Allow", "POST"), TEXT], b"use POST\n")


class _Pipeline(Generic[T]):
    """A collaborator of the pipeline, read and replaced through the app (tests swap the keys, the
    partners' syncs or the id limit of a running app)."""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    def __get__(self, app: CollectorApp, owner: type[Any] | None = None) -> T:
        return cast(T, getattr(app.pipeline, self.name))

    def __set__(self, app: CollectorApp, value: T) -> None:
        setattr(app.pipeline, self.name, value)


class CollectorApp:
    cfg = _Pipeline[CollectorConfig]()
    sites = _Pipeline[SiteDirectory]()
    pseudo = _Pipeline[Pseudonymiser]()
    agents = _Pipeline[AgentClassifier]()
    syncs = _Pipeline[SyncDirectory]()
    new_ids = _Pipeline[NewIdLimit]()

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
        rights_key: Callable[[], bytes] | None = None,
    ) -> None:
        self.pipeline = HitPipeline(
            config=config,
            sites=sites,
            pseudonymiser=pseudonymiser,
            salts=salts,
            agents=agents,
            regions=regions,
            syncs=syncs if syncs is not None else StaticSyncs(),
            new_ids=new_ids or NewIdLimit(config.new_ids_per_network_hour),
            clock=clock,
            rights_key=rights_key,
        )
        self.sink = sink
        self.metrics = metrics
        self.scripts = {
            "/c/t.js": tag_script(config.policy, config.tag_wait_ms),
            "/c/r.js": rights_script(config.rights_url),
        } | {
            f"/c/m/{name}.js": script
            for name, script in module_scripts(config.policy, config.tag_wait_ms).items()
        }

    # -- routing ----------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        path, method = req.path, req.method
        hits = self.pipeline
        try:
            if path == "/c/e":
                return self.respond(hits.beacon(req)) if method == "POST" else _post_only()
            if path == "/c/p.gif" and method in ("GET", "HEAD"):
                return self.respond(hits.pixel(req))
            if path == "/c/w":
                return self.respond(hits.withdrawal(req)) if method == "POST" else _post_only()
            if path == "/c/r":
                return self.respond(hits.rights(req)) if method == "POST" else _post_only()
            if path == "/c/s" and method in ("GET", "HEAD"):
                return self.respond(hits.sync(req))
            if path in self.scripts and method in ("GET", "HEAD"):
                return Response(200, SCRIPT, self.scripts[path])
            if path == "/c/check":
                return self.respond(hits.check(req)) if method == "POST" else _post_only()
            if path in ("/healthz", "/readyz"):
                # /healthz: everything is well (for monitoring); /readyz: hits can be taken now (for a
                # load balancer: a stalled drain still leaves room in the spool)
                status = self.sink.health()
                body = orjson.dumps({"status": status})
                ok = status == "ok" if path == "/healthz" else status in READY
                return Response(200 if ok else 503, [("Content-Type", "application/json"), NO_STORE], body)
            return Response(404, [TEXT], b"not found\n")
        except Exception:  # never a stack trace to the client; never the request data in logs
            route = path if path in ROUTES or path in self.scripts else "(other)"  # never the path as sent
            log.exception("internal error on %s", route)
            return Response(500, [TEXT], b"internal error\n")

    # -- outcomes -----------------------------------------------------------------
    def respond(self, outcome: Outcome) -> Response:
        """Act on the pipeline's outcome. Accepted: store the payloads (all or none), then count, so
        that nothing the sink refused is counted as accepted."""
        match outcome:
            case Accepted():
                tally = outcome.tally
                cinema = outcome.site.cnc_id if outcome.site is not None else "unknown"
                if tally.limited:
                    self.metrics.limited.labels(cinema).inc()
                if outcome.payloads:
                    try:
                        self.sink.append(outcome.payloads)
                    except SinkFull as exc:
                        return self.refuse(Refused("spool_full", str(exc), outcome.site, outcome.origin))
                if tally.track is not None:
                    self.metrics.accept(cinema, tally.track, tally.events)
                if tally.bots:
                    self.metrics.bots.labels(cinema).inc(tally.bots)
                if tally.withdrawal:
                    self.metrics.withdrawals.labels(cinema).inc()
                for slug in tally.syncs:
                    self.metrics.syncs.labels(slug).inc()
                return Response(outcome.status, outcome.headers, outcome.body)
            case Refused():
                return self.refuse(outcome)
            case _:
                assert_never(outcome)

    def refuse(self, refused: Refused) -> Response:
        """A refusal, counted by cinema and reason; CORS only for the cinema's own pages."""
        site, reason = refused.site, refused.reason
        self.metrics.drop(site.cnc_id if site is not None else "unknown", reason)
        status = status_of(reason)
        headers = [TEXT, NO_STORE, *evidence.cors(site, refused.origin)]
        if status == 503:  # the sink or the disk, not the request: the tag may try again
            headers.append(("Retry-After", "5"))
        return Response(status, headers, f"{reason}: {refused.detail}\n".encode())

    def refusal(self, reason: DropReason, detail: str) -> Response:
        """A refusal before there is a request to run (the RSGI adapter: a body too large or too slow)."""
        return self.refuse(Refused(reason, detail))

    def client_ip(self, req: Request) -> str:
        return client_ip(req, self.cfg.trusted_proxies)

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
