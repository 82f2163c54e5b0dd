"""Builds the parts from settings. The only module that knows every implementation."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Iterable
from pathlib import Path

from artaud.collector.agents import AgentClassifier
from artaud.collector.app import CollectorApp
from artaud.collector.config import CollectorConfig
from artaud.collector.geo import CidrTable, NoRegion, RegionResolver
from artaud.collector.idsync import SyncPartner
from artaud.collector.metrics import CollectorMetrics
from artaud.collector.pseudonym import Pseudonymiser, RefreshingPseudonymiser
from artaud.collector.rights_ticket import TICKET_KEY
from artaud.collector.rsgi import RsgiCollector
from artaud.collector.salts import SaltStore
from artaud.collector.sites import RefreshingSites, Site
from artaud.collector.syncs import RefreshingSyncs
from artaud.config.keyring import CurrentKeys, KeyRing
from artaud.config.settings import Settings, inherited
from artaud.controlplane.store import ControlPlane
from artaud.lifeline import InstanceLock, die_with_parent
from artaud.partners.exports import ExportService, PartnerKey
from artaud.partners.manifest import signing_key
from artaud.partners.store import PartnerStore
from artaud.segments.builder import SegmentBuilder
from artaud.segments.definitions import Segment, load_segments
from artaud.segments.guards import GuardPolicy
from artaud.segments.release import NoisePolicy
from artaud.segments.rules import CinemaInfo
from artaud.spool.writer import SpoolWriter
from artaud.warehouse.backend import ChdbWarehouse, ServerWarehouse, Warehouse
from artaud.watchdog import beat_dir, start_beating

POOLED_KEY = "pooled-visitor"


def keyring(settings: Settings) -> KeyRing:
    return KeyRing(settings.data_dir / "secrets")


def spool_dir(settings: Settings) -> Path:
    return settings.data_dir / "spool"


def salts_dir(settings: Settings) -> Path:
    return settings.data_dir / "secrets" / "salts"


def control(settings: Settings) -> ControlPlane:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return ControlPlane(settings.control_url)


def warehouse(settings: Settings) -> Warehouse:
    w = settings.warehouse
    if w.backend == "chdb":
        return ChdbWarehouse(settings.data_dir / "chdb", w.database)
    return ServerWarehouse(w.host, w.port, w.database, w.user, w.password)


def regions(settings: Settings) -> RegionResolver:
    path = settings.collector.regions_file
    if not path:
        return NoRegion()
    if path == "demo":
        from importlib import resources

        with resources.as_file(resources.files("artaud.config").joinpath("demo_regions.csv")) as demo:
            return CidrTable.from_csv(demo)
    return CidrTable.from_csv(Path(path))


def site_loader(cp: ControlPlane) -> Iterable[tuple[str, Site]]:
    return [
        (
            c.site_key,
            Site(cinema_id=c.id or 0, cnc_id=c.cnc_id, domains=c.domains, active=c.status == "active"),
        )
        for c in cp.cinemas()
    ]


def sync_loader(cp: ControlPlane, keys: CurrentKeys) -> list[tuple[SyncPartner, bytes]]:
    """The active partners' sync URLs, each with that partner's current pseudonym key."""
    urls = PartnerStore(cp.engine).sync_urls()
    secrets = keys.secrets([f"partner-{slug}" for slug, _ in urls])
    return [(SyncPartner(slug, url), secrets[f"partner-{slug}"]) for slug, url in urls]


def pseudonymiser(ring: KeyRing) -> Pseudonymiser:
    """The pooled pseudonyms under the newest live key, and the older ones still live (a rotation)."""
    key, *older = ring.live(POOLED_KEY)
    return Pseudonymiser(key.secret, key.version, [(k.version, k.secret) for k in older])


def following_pseudonymiser(ring: KeyRing) -> Callable[[], Pseudonymiser]:
    """A loader of `pseudonymiser(ring)` that decrypts the keys (and logs their use) only when the
    live pooled versions changed: the key file's metadata is read at each call."""
    cache: dict[tuple[int, ...], Pseudonymiser] = {}

    def load() -> Pseudonymiser:
        live = tuple(sorted(m.version for m in ring.metas() if m.purpose == POOLED_KEY and not m.destroyed))
        if live not in cache:
            cache.clear()
            cache[live] = pseudonymiser(ring)
        return cache[live]

    return load


def collector_app(settings: Settings | None = None) -> CollectorApp:
    """Factory used by each collector worker process (granian `--factory`)."""
    settings = settings or inherited()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    cp = control(settings)
    ring = keyring(settings)

    partner_keys = CurrentKeys(ring)
    c = settings.collector
    return CollectorApp(
        config=CollectorConfig.of(settings),
        sites=RefreshingSites(lambda: site_loader(cp), c.site_refresh_seconds),
        syncs=RefreshingSyncs(lambda: sync_loader(cp, partner_keys), c.site_refresh_seconds),
        sink=SpoolWriter(
            spool_dir(settings),
            settings.spool.max_bytes,
            settings.spool.segment_bytes,
            settings.spool.fsync_interval_ms,
            settings.spool.reserve_bytes,
        ),
        pseudonymiser=RefreshingPseudonymiser(following_pseudonymiser(ring), c.site_refresh_seconds),
        salts=SaltStore(salts_dir(settings)),
        agents=AgentClassifier(cache_size=c.ua_cache_size),
        regions=regions(settings),
        metrics=CollectorMetrics(),
        rights_key=rights_key(ring),
    )


def rights_key(ring: KeyRing) -> Callable[[], bytes]:
    """The rights tickets' key (`collector/rights_ticket.py`), as the collector seals and the rights
    page opens them: the key ring's newest `rights-ticket` key, read again when it changes."""
    keys = CurrentKeys(ring)
    return lambda: keys.secrets([TICKET_KEY])[TICKET_KEY]


RUN_LOCK, WORKERS_LOCK = "run.lock", "workers.lock"
WORKER_LOCKS: list[InstanceLock] = []  # held for the worker process's life


def collector_rsgi(settings: Settings | None = None) -> RsgiCollector:
    """Factory of each collector worker process (granian `--interface rsgi --factory`): the hit path
    behind an event loop that reads bodies with a deadline (`collector/rsgi.py`)."""
    settings = settings or inherited()
    # dies with the granian server that forked it, and holds the workers' shared lock while alive
    die_with_parent(signal.SIGKILL, parent=os.getppid())
    WORKER_LOCKS.append(InstanceLock(settings.data_dir / WORKERS_LOCK, shared=True).acquire(wait=10))
    app = collector_app(settings)
    c = settings.collector
    beats = beat_dir(settings.data_dir)
    return RsgiCollector(
        app, c.max_body_bytes, c.body_timeout_ms / 1000, on_loop=lambda loop: start_beating(beats, loop)
    )


def guard_policy(settings: Settings) -> GuardPolicy:
    s = settings.segments
    return GuardPolicy(
        k=s.k,
        min_cinemas=s.min_cinemas,
        max_cinema_share=s.max_cinema_share,
        epsilon=s.noise_epsilon,
        min_cinema_share=s.min_cinema_share,
        credible_days=s.credible_days,
    )


def noise_policy(settings: Settings) -> NoisePolicy:
    s = settings.segments
    return NoisePolicy(s.noise_epsilon, s.noise_delta, s.epsilon_budget_segment, s.epsilon_budget_person)


def segment_definitions(settings: Settings) -> tuple[Segment, ...]:
    s = settings.segments
    return load_segments(Path(s.definitions_file) if s.definitions_file else None)


SIGNING_KEY, CURSOR_KEY = "export-signing", "export-cursor"


def partner_key(ring: KeyRing, slug: str) -> PartnerKey:
    key = ring.current(f"partner-{slug}")
    return PartnerKey(key.version, key.secret)


def export_service(settings: Settings, wh: Warehouse, cp: ControlPlane) -> ExportService:
    """Exports with keys from the key ring: one pseudonym key per partner, the SCARE's Ed25519
    signing key, and the key sealing paging cursors."""
    ring = keyring(settings)
    iab = {s.id: s.iab for s in segment_definitions(settings)}
    return ExportService(
        wh,
        PartnerStore(cp.engine),
        partner_key=lambda slug: partner_key(ring, slug),
        signing_key=signing_key(ring.current(SIGNING_KEY).secret),
        cursor_key=ring.current(CURSOR_KEY).secret,
        policy=guard_policy(settings),
        iab=lambda segment_id: iab.get(segment_id, ()),
    )


def segment_builder(settings: Settings, wh: Warehouse, cp: ControlPlane) -> SegmentBuilder:
    """The builder with the configured definitions and guards; cinemas read afresh at each build."""
    definitions = segment_definitions(settings)
    policy = guard_policy(settings)

    def cinemas() -> list[CinemaInfo]:
        return [
            CinemaInfo(c.id, c.category, c.labels, c.status == "active")
            for c in cp.cinemas()
            if c.id is not None
        ]

    def partners() -> list[tuple[str, int]]:
        """The active partners, each with its destination's minimum audience (their views)."""
        return [(p.slug, p.min_audience) for p in PartnerStore(cp.engine).all() if p.status == "active"]

    return SegmentBuilder(wh, cinemas, definitions, policy, noise=noise_policy(settings), partners=partners)
