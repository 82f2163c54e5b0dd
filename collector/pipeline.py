"""The hit path's domain, IO-free (in the spirit of Werkzeug's `sansio`): a `Request` value in, an
outcome out (`collector/outcome.py`), refused with a reason or accepted with the payloads to store.

Each route runs named steps; a step gives its result or raises `HitError`, which the route turns into
a `Refused` outcome, so that nothing a client sends makes a route raise:

    parse (collector/hit.py)
      -> site     the site key's cinema, active, and the request's evidence on its domains
      -> consent  the decision from the hit's signals (collector/decisions.py)
      -> edge     what is derived from the request and minimised: region, agent class, exempt hash,
                  the day's salt, the id limit (raw IP address and user agent go no further)
      -> events   the events, their consent record and rotation links, encoded as payloads

No server object, sink or counter here: the adapter (`collector/app.py`, under `collector/rsgi.py` or
WSGI) appends the payloads, counts and writes the answer. The collaborators are the worker's and
in memory on the hit path: the site directory, partner syncs and pseudonym keys (refreshed in the
background), the day's salts (read from disk once a day per cinema).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

import orjson

from artaud.collector import evidence, minimise
from artaud.collector.agents import AgentClassifier, bot_reason
from artaud.collector.config import CollectorConfig
from artaud.collector.decisions import Decisions
from artaud.collector.events import Edge, build_events, consent_record, link_records, suppression_record
from artaud.collector.geo import RegionResolver, network_prefix
from artaud.collector.hit import HitError, RawHit, parse_beacon, parse_query, parse_sync, parse_withdrawal
from artaud.collector.http import GIF, NO_STORE
from artaud.collector.idlimit import NewIdLimit
from artaud.collector.idsync import targets as sync_targets
from artaud.collector.outcome import Accepted, Outcome, Refused, Tally
from artaud.collector.pseudonym import Pseudonymiser, exempt_visitor, keyed_hash
from artaud.collector.request import Request, client_ip
from artaud.collector.rights_limit import AddressLimit
from artaud.collector.rights_ticket import seal
from artaud.collector.salts import SaltStore, SaltUnavailable, local_day
from artaud.collector.sites import Site, SiteDirectory
from artaud.collector.syncframe import document as sync_document
from artaud.collector.syncs import SyncDirectory
from artaud.consent.decision import Decision, Signals

# what a body may be: the tag's text/plain (sendBeacon, fetch with a string body), JSON from a server
BODY_TYPES = ("text/plain", "application/json")
# shared by every answer of their kind: the adapters copy or only read an answer's headers
PIXEL_HEADERS = [("Content-Type", "image/gif"), NO_STORE]
# readable from any page: a webmaster checks a page whose domain is not declared yet, and the answer
# only judges the body that page sent (no cinema, no pseudonym, nothing stored)
CHECK_HEADERS = [("Content-Type", "application/json"), NO_STORE, ("Access-Control-Allow-Origin", "*")]


def _process_key() -> Callable[[], bytes]:
    key = secrets.token_bytes(32)
    return lambda: key


class HitPipeline:
    def __init__(
        self,
        *,
        config: CollectorConfig,
        sites: SiteDirectory,
        pseudonymiser: Pseudonymiser,
        salts: SaltStore,
        agents: AgentClassifier,
        regions: RegionResolver,
        syncs: SyncDirectory,
        new_ids: NewIdLimit,
        clock: Callable[[], float],
        rights_key: Callable[[], bytes] | None = None,
    ) -> None:
        self.cfg = config
        self.sites = sites
        self.pseudo = pseudonymiser
        self.salts = salts
        self.agents = agents
        self.regions = regions
        self.syncs = syncs
        self.new_ids = new_ids
        self.clock = clock
        self.decisions = Decisions(config.policy)
        # the rights tickets' key (the key ring's `rights-ticket`); by default one of this process
        self.rights_key = rights_key or _process_key()
        self.rights_limit = AddressLimit(config.rights_per_minute, clock)
        self._second: tuple[int, datetime, date] = (-1, datetime.min, date.min)

    # -- routes ---------------------------------------------------------------------------------
    def pixel(self, req: Request) -> Outcome:
        """GET /c/p.gif: the hit in the query string; the answer is the GIF."""
        origin = req.header("origin")
        try:
            hit = parse_query(req.query, self.cfg.max_body_bytes, self.cfg.max_events_per_batch)
            return self._store(hit, req, origin, pixel=True)
        except HitError as err:
            return self.refused(err, origin)

    def beacon(self, req: Request) -> Outcome:
        """POST /c/e: the hit in the body; the answer is empty, readable by the cinema's pages."""
        origin = req.header("origin")
        try:
            hit = parse_beacon(self.body(req), self.cfg.max_events_per_batch)
            return self._store(hit, req, origin, pixel=False)
        except HitError as err:
            return self.refused(err, origin)

    def withdrawal(self, req: Request) -> Outcome:
        """POST /c/w: the visitor withdrew; the pooled pseudonym of that id is suppressed from every
        later build and export (and the tag has already erased the id)."""
        origin = req.header("origin")
        try:
            site_key, visitor_id = parse_withdrawal(self.body(req))
            site = self.site(site_key, req, ())
        except HitError as err:
            return self.refused(err, origin)
        now, _ = self.now()
        # the person's pseudonym under every live key version: a rotation's grace period keeps two
        payloads = [
            orjson.dumps(suppression_record(p, site.cinema_id, now))
            for p in self.pseudo.all_pooled(visitor_id)
        ]
        headers = [NO_STORE, *evidence.cors(site, origin)]
        return Accepted(204, headers, b"", payloads, site, origin, Tally(withdrawal=True))

    def rights(self, req: Request) -> Outcome:
        """POST /c/r: the visitor asks, from the cinema's page, what is held about them (the page
        « Vos données d'audience », `rights/`). Proof of possession: the first-party id from the
        site's storage, the site key and the page's origin, checked as for a withdrawal. The answer
        is a sealed ticket naming the id's pooled pseudonyms and the cinema (`rights_ticket.py`), of
        the same shape whether the id is known or not; nothing is stored. Rate-limited per client
        address before anything else (a guessed site key counts too)."""
        origin = req.header("origin")
        try:
            if not self.rights_limit.allow(client_ip(req, self.cfg.trusted_proxies)):
                raise HitError("rate_limited", "too many requests from this address: try again in a minute")
            site_key, visitor_id = parse_withdrawal(self.body(req))
            site = self.site(site_key, req, ())
        except HitError as err:
            return self.refused(err, origin)
        now, _ = self.now()
        ticket = seal(
            self.rights_key(),
            self.pseudo.all_pooled(visitor_id),
            site.cinema_id,
            now,
            self.cfg.rights_ticket_minutes,
        )
        body = orjson.dumps({"ticket": ticket, "page": self.cfg.rights_url})
        headers = [("Content-Type", "application/json"), NO_STORE, *evidence.cors(site, origin)]
        return Accepted(200, headers, body, site=site, origin=origin, tally=Tally())

    def sync(self, req: Request) -> Outcome:
        """GET /c/s: the partner ID sync frame. Each registered partner that this hit's own consent
        signal covers gets the visitor's partner-scoped pseudonym (`collector/idsync.py`,
        `collector/syncframe.py`); nothing is stored."""
        try:
            hit = parse_sync(req.query, self.cfg.max_body_bytes, self.cfg.max_events_per_batch)
            self.site(hit.site_key, req, (e.url for e in hit.events if e.url))
        except HitError as err:
            return self.refused(err)  # a frame's refusal is no page's to read: no CORS
        decision = self.consent(hit, req, self.now()[0])
        targets: list[tuple[str, str]] = []
        if decision.pooled and decision.partners:
            pooled = self.pseudo.pooled(hit.visitor_id)
            targets = sync_targets(decision.partners, pooled, self.syncs.entries())
        body, headers = sync_document(targets)
        return Accepted(200, headers, body, tally=Tally(syncs=tuple(slug for slug, _ in targets)))

    def check(self, req: Request) -> Accepted:
        """POST /c/check, the installation check (`/c/m/check.js`): what the collector would do with
        this beacon body (the same steps as `/c/e`), as JSON; a refusal is an answer too."""
        answer: dict[str, Any]
        site: Site | None = None
        try:
            hit = parse_beacon(self.body(req), self.cfg.max_events_per_batch)
            site = self.site(hit.site_key, req, (e.url for e in hit.events if e.url))
            edge, secrets = self.edge(hit, req, site, dry=True)
            events, _ = self.events(hit, req, edge, secrets, pixel=False)
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
        # a dry run: the id limit answers as it would on /c/e without spending its budget, nothing counted
        return Accepted(200, CHECK_HEADERS, orjson.dumps(answer), site=site, tally=Tally())

    def _store(self, hit: RawHit, req: Request, origin: str, pixel: bool) -> Accepted:
        """A pixel's or a beacon's events, to be stored: every step of the path."""
        site = self.site(hit.site_key, req, (e.url for e in hit.events if e.url))
        edge, secrets = self.edge(hit, req, site)
        events, record = self.events(hit, req, edge, secrets, pixel)
        tally = Tally(
            track=events[0]["track"],
            events=len(events),
            bots=len(events) if edge.agent.is_bot else 0,
            limited=edge.decision.objection == "limited",
        )
        payloads = self.payloads(hit, edge, events, record)
        if pixel:
            return Accepted(200, PIXEL_HEADERS, GIF, payloads, site, origin, tally)
        return Accepted(204, [NO_STORE, *evidence.cors(site, origin)], b"", payloads, site, origin, tally)

    def refused(self, err: HitError, origin: str = "") -> Refused:
        """A refusal, with the cinema the request named when it is known (`err.site_key`)."""
        site = self.sites.lookup(err.site_key) if err.site_key else None
        return Refused(err.reason, err.detail, site, origin)

    # -- steps ----------------------------------------------------------------------------------
    def body(self, req: Request) -> bytes:
        """A beacon's or a withdrawal's body: of a type the tag or a server sends, within the limit."""
        ctype = req.header("content-type").split(";", 1)[0].strip().lower()
        if ctype and ctype not in BODY_TYPES:
            raise HitError("unsupported_media_type", "send the body as text/plain (or application/json)")
        if len(req.body) > self.cfg.max_body_bytes:
            raise HitError("body_too_large", f"over {self.cfg.max_body_bytes} bytes")
        return req.body

    def site(self, site_key: str, req: Request, urls: Iterable[str]) -> Site:
        """The cinema of this site key, if it is active and the request comes from its pages: its
        `Origin`, its `Referer` and the page URLs its events name (`urls`) are all on the cinema's
        domains (collector/evidence.py). One rule for every route that names a site."""
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

    def consent(self, hit: RawHit, req: Request, now: datetime) -> Decision:
        """The consent decision from the hit's signal and the browser's objections (`Sec-GPC`, `DNT`)."""
        signals = Signals(
            tag_purposes=hit.consent,
            cmp=hit.cmp,
            gpc=hit.gpc or req.header("sec-gpc").strip() == "1",
            dnt=req.header("dnt").strip() == "1",
            tcf=hit.tcf,
        )
        return self.decisions.decide(signals, now)

    def edge(self, hit: RawHit, req: Request, site: Site, dry: bool = False) -> tuple[Edge, minimise.Secrets]:
        """What the hit becomes at the edge (its cinema, time, robot flag, region, exempt hash and
        decision), and the request's raw values that no stored field may carry. The raw IP address
        and user agent go no further than here."""
        now, day = self.now()  # second resolution, like the column
        ip = client_ip(req, self.cfg.trusted_proxies)
        ua = req.header("user-agent")
        try:
            salt = self.salts.salt_for(day, site.cinema_id)
        except SaltUnavailable as exc:  # a disk error: a counted 503, not a 500
            raise HitError("storage_unavailable", str(exc)) from None
        decision = self.consent(hit, req, now)
        if (
            decision.pooled
            and hit.visitor_id
            and not self.new_ids.allow(
                keyed_hash(salt, "network", str(site.cinema_id), network_prefix(ip)),
                keyed_hash(salt, "id", hit.visitor_id, length=16),
                spend=not dry,
            )
        ):  # too many new identifiers from this network today: the exempt track (collector/idlimit.py)
            decision = self.decisions.limited(decision)
        pooled = decision.pooled and bool(hit.visitor_id)
        edge = Edge(
            cinema_id=site.cinema_id,
            received_at=now,
            agent=self.agents.classify(ua),
            region=self.regions.region(ip),
            # the exempt hash is only computed for exempt-track hits
            exempt_visitor="" if pooled else exempt_visitor(salt, site.cinema_id, network_prefix(ip), ua),
            exempt_salt=salt,
            decision=decision,
        )
        return edge, minimise.Secrets((ip, ua, hit.visitor_id))

    def events(
        self, hit: RawHit, req: Request, edge: Edge, secrets: minimise.Secrets, pixel: bool
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The events to store, and their consent record (None off the pooled track). A pixel without
        a page URL is about the page that loaded it (its `Referer`)."""
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
        return events, record

    def payloads(
        self, hit: RawHit, edge: Edge, events: list[dict[str, Any]], record: dict[str, Any] | None
    ) -> list[bytes]:
        """The encoded records of one hit, for one write: a consent record goes in the same write as
        its events (never one without the other), and before them."""
        payloads = [orjson.dumps(e) for e in events]
        if record is not None:
            payloads.insert(0, orjson.dumps(record))
            older = self.pseudo.older_pooled(hit.visitor_id)  # only during a pooled-key rotation
            if older:
                payloads[1:1] = [
                    orjson.dumps(r) for r in link_records(events[0]["visitor"], older, edge.received_at)
                ]
        return payloads

    def now(self) -> tuple[datetime, date]:
        """This second, and the cinemas' day (Europe/Paris) it falls in (converted once a second)."""
        second = int(self.clock())
        if second != self._second[0]:
            now = datetime.fromtimestamp(second, UTC)
            self._second = (second, now, local_day(now))
        return self._second[1], self._second[2]
