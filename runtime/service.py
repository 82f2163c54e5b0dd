"""The run modes. `run`: everything in one supervisor on the embedded defaults. Production (Kafka):
`collector` (granian workers + spool → Kafka), `ingester` (Kafka → ClickHouse server) and `scheduler`
(privacy jobs + console), each its own process, scaled independently.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from apscheduler.schedulers.background import BackgroundScheduler

from artaud import wiring
from artaud.admin.console import accounts_of, make_console
from artaud.admin.money_pages import Payouts
from artaud.admin.web import create_admin
from artaud.cli_payouts import debtor_from
from artaud.collector.metrics import CollectorMetrics
from artaud.collector.snippet import snippet
from artaud.config.settings import Settings
from artaud.controlplane.store import ControlPlane
from artaud.demo import seed_demo
from artaud.errors import Unavailable
from artaud.httpd import serve
from artaud.jobs import console_system, scheduler
from artaud.lifeline import Busy, InstanceLock
from artaud.partners.activation import Activation
from artaud.partners.api import create_partner_api
from artaud.partners.store import PartnerStore
from artaud.remuneration.bank_store import BankStore
from artaud.remuneration.delivery import DeliveryStore
from artaud.remuneration.partner_api import register_campaign_routes
from artaud.rights.app import create_rights_app
from artaud.segments.definitions import InvalidSegments, load_segments
from artaud.spool.drain import DrainLoop
from artaud.spool.reader import SpoolReader
from artaud.warehouse.backend import Warehouse
from artaud.warehouse.migrate import migrate
from artaud.warehouse.writer import SpoolDrainer
from artaud.watchdog import Watchdog, beat_dir
from artaud.workers import descendants, prepare_metrics_dir, start_collector, stop_collector, wait_port

log = logging.getLogger("artaud.service")


class StartupError(Unavailable):
    """A configured part is missing or unreachable; the message says which and what to do."""

    code = "startup_failed"


class StopFlag:
    """Set from signal handlers, so it takes no lock: a handler that waited for a lock held by the
    code it interrupted (`threading.Event.set` inside `Event.wait`) would never return, and two
    signals in a row (Ctrl-C under `timeout`, say) deadlocked the stop."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self._set and time.monotonic() < deadline:
            time.sleep(0.05)
        return self._set


class Supervisor:
    """Signal handling and the wait loop shared by every role."""

    def __init__(self, settings: Settings, out: Any = sys.stdout) -> None:
        self.settings = settings
        self.out = out
        self.stopping = StopFlag()
        self.sched: BackgroundScheduler | None = None  # the running scheduler, for the console
        for sig in (signal.SIGINT, signal.SIGTERM):  # first: a stop during start-up is a clean stop
            signal.signal(sig, lambda *_: self.stopping.set())

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def wait(self, alive: Callable[[], str | None], tick: Callable[[], None] | None = None) -> int:
        """Block until a signal (0) or until `alive` reports a failure (1)."""
        while not self.stopping.wait(0.2 if tick else 0.5):
            if tick is not None:
                tick()
            failure = alive()
            if failure:
                self.say(f"error: {failure}")
                return 1
        return 0

    def check_segments(self) -> None:
        s = self.settings.segments
        try:
            load_segments(Path(s.definitions_file) if s.definitions_file else None)
        except InvalidSegments as exc:
            raise StartupError(exc.message) from None

    def control(self) -> ControlPlane:
        cp = wiring.control(self.settings)
        try:
            cp.migrate()
        except Exception as exc:
            raise StartupError(
                f"control plane {self.settings.control_url.split('@')[-1]} unusable: {exc}"
            ) from exc
        return cp

    def console(self, cp: ControlPlane, wh: Warehouse, status: Callable[[], dict[str, Any]]) -> Any:
        s = self.settings
        builder = wiring.segment_builder(s, wh, cp)
        console = make_console(cp.engine, wiring.keyring(s), s.admin)
        counters = CollectorMetrics()  # the collector workers' counters (their multiprocess files)
        app = create_admin(
            cp,
            wh,
            status,
            console,
            segments=builder,
            collector_url=s.collector.public_url,
            drop_counts=lambda: counters.exposition().decode(),
            payouts=Payouts(lambda: debtor_from(s), BankStore(cp.engine, wiring.keyring(s))),
            system=console_system(s, self.sched),
        )
        return serve(s.admin.host, s.admin.port, app, "admin", trusted_proxy=s.admin.trusted_proxy)

    def partner_api(self, cp: ControlPlane, wh: Warehouse) -> Any:
        """The partners' pull API on its own port (None when `partners.port` is 0)."""
        s = self.settings
        if s.partners.port == 0:
            return None
        activation = Activation(
            wiring.segment_definitions(s), s.partners.seller_domain, s.partners.segtax or None
        )
        app = create_partner_api(PartnerStore(cp.engine), wiring.export_service(s, wh, cp), activation)
        register_campaign_routes(app, DeliveryStore(cp.engine))
        return serve(s.partners.host, s.partners.port, app, "partners")

    def rights(self, cp: ControlPlane, wh: Warehouse) -> Any:
        """The visitor's page « Vos données d'audience » on its own port (None when `rights.port` is 0)."""
        r = self.settings.rights
        if r.port == 0:
            return None
        app = create_rights_app(
            wh,
            wiring.rights_key(wiring.keyring(self.settings)),
            cinema_names=lambda: {c.id: c.name for c in cp.cinemas() if c.id is not None},
            per_minute=r.requests_per_minute,
            cp=cp,
        )
        return serve(r.host, r.port, app, "rights", trusted_proxy=r.trusted_proxy)

    def metrics(self) -> Any:
        """The collector workers' counters on their own port (None when `collector.metrics_port` is 0):
        they name cinemas and partners, so they are not on the public collector port."""
        c = self.settings.collector
        if c.metrics_port == 0:
            return None
        counters = CollectorMetrics()

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            if environ.get("PATH_INFO") != "/metrics":
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"not found\n"]
            body = counters.exposition()
            start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4")])
            return [body]

        return serve(c.metrics_host, c.metrics_port, app, "metrics")

    def claim(self) -> InstanceLock:
        """This data directory for this process alone (`runtime/lifeline.py`)."""
        lock = InstanceLock(self.settings.data_dir / wiring.RUN_LOCK)
        try:
            return lock.acquire()
        except Busy:
            raise StartupError(
                f"another artaud (pid {lock.holder() or '?'}) is running on the data directory "
                f"{self.settings.data_dir}: stop it first, or give this one another --data-dir"
            ) from None

    def collector(self) -> subprocess.Popen[bytes]:
        s = self.settings
        try:  # no worker of an earlier run may still be serving (they die with their server)
            InstanceLock(s.data_dir / wiring.WORKERS_LOCK).acquire(wait=10).release()
        except Busy:
            raise StartupError(
                "collector workers of an earlier run are still alive and serving on this data "
                f"directory ({s.data_dir}); stop them first"
            ) from None
        proc = start_collector(s)
        if not wait_port(s.collector.host, s.collector.port, 30):
            stop_collector(proc)
            raise StartupError(f"the collector did not start on {s.collector.host}:{s.collector.port}")
        return proc


def _keys(settings: Settings, cp: ControlPlane) -> None:
    ring = wiring.keyring(settings)
    ring.current(wiring.POOLED_KEY)
    cp.sync_key_versions(
        (k.purpose, k.version, k.created_at, k.retire_after, k.destroyed) for k in ring.metas()
    )


def _watch_workers(settings: Settings, proc: subprocess.Popen[bytes]) -> Callable[[], None]:
    """The supervisor's tick: every 2 s, a worker silent for `collector.worker_stall_seconds` is
    killed (granian replaces it: runtime/watchdog.py)."""
    last = [time.monotonic()]
    dog = Watchdog(beat_dir(settings.data_dir), settings.collector.worker_stall_seconds)

    def tick() -> None:
        if time.monotonic() - last[0] < 2.0 or proc.poll() is not None:
            return
        last[0] = time.monotonic()
        dog.check(descendants(proc.pid))

    return tick


def _collector_alive(proc: subprocess.Popen[bytes]) -> Callable[[], str | None]:
    return lambda: None if proc.poll() is None else f"the collector exited with code {proc.returncode}"


def run_embedded(settings: Settings, out: Any = sys.stdout) -> int:
    """`artaud run`: collector workers, spool → warehouse, scheduler and console in one supervisor."""
    if settings.transport.mode != "embedded":
        raise StartupError(
            "`artaud run` is the embedded mode; with transport.mode = kafka run "
            "`artaud collector`, `artaud ingester` and `artaud scheduler`"
        )
    sup = Supervisor(settings, out)
    s = settings
    s.data_dir.mkdir(parents=True, exist_ok=True)
    # each part is stopped when acquired, in reverse order, whatever fails later: the collector
    # before the final drain, the drain before the warehouse closes, the data directory last
    with contextlib.ExitStack() as stack:
        stack.callback(sup.claim().release)
        prepare_metrics_dir(s.data_dir)
        sup.check_segments()
        cp = stack.enter_context(contextlib.closing(sup.control()))
        created = seed_demo(cp)
        _keys(s, cp)
        wh = stack.enter_context(contextlib.closing(wiring.warehouse(s)))
        migrate(wh)
        reader = SpoolReader(wiring.spool_dir(s))
        drainer = SpoolDrainer(reader, wh, s.warehouse.batch_rows, s.warehouse.batch_seconds)
        drainer.start()
        stack.callback(_stop_drain, drainer)
        sched = sup.sched = scheduler(s, wh, cp)
        sched.start()
        stack.callback(sched.shutdown, wait=False)
        code = _serve_embedded(sup, stack, cp, wh, reader, drainer, created)
    sup.say("artaud stopped; everything accepted is in the warehouse or the spool.")
    return code


def _serve_embedded(
    sup: Supervisor,
    stack: contextlib.ExitStack,
    cp: ControlPlane,
    wh: Warehouse,
    reader: SpoolReader,
    drainer: SpoolDrainer,
    created: list[Any],
) -> int:
    s = sup.settings

    def status() -> dict[str, Any]:
        st, ds = drainer.loader.stats, drainer.drain_stats
        return {
            "rows": st.rows,
            "batches": ds.batches,
            "duplicates": st.duplicates,
            "bad_records": drainer.bad_records,
            "recovered_batches": ds.recovered_batches,
            "insert_errors": ds.failures,
            "backlog_bytes": reader.backlog_bytes(),
            "corrupt_bytes": reader.corrupt_bytes,
            "quarantined_records": reader.quarantined_records,
            "checkpoint_resets": reader.checkpoint_resets,
            "uncertain_batches": ds.uncertain_batches,
            "drain_failures": ds.failures,
            "last_drain_error": ds.last_error,
        }

    _serving(stack, sup.console(cp, wh, status))
    _serving(stack, sup.partner_api(cp, wh))
    _serving(stack, sup.rights(cp, wh))
    proc = sup.collector()
    stack.callback(stop_collector, proc)
    _serving(stack, sup.metrics())
    _banner(sup, cp, created)
    return sup.wait(_collector_alive(proc), _watch_workers(s, proc))


def _serving(stack: contextlib.ExitStack, server: Any) -> None:
    """Shut `server` down with the stack (None: a part switched off in the settings)."""
    if server is not None:
        stack.callback(server.shutdown)


def _stop_drain(loop: DrainLoop) -> None:
    loop.stop()
    try:
        loop.drain()
    except Exception as exc:
        log.error("final drain failed (the spool keeps the rest): %s", exc)


def on_loopback(url: str) -> bool:
    """Whether `url` names this machine's loopback (as a visitor's browser would read it)."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def run_collector(settings: Settings, out: Any = sys.stdout) -> int:
    """`artaud collector` (production): granian workers append to the spool; the spool goes to Kafka."""
    from artaud.transport.forwarder import KafkaForwarder, make_producer
    from artaud.transport.topics import BrokerUnreachable, ensure

    s = settings
    if s.transport.mode != "kafka":
        raise StartupError("`artaud collector` forwards to Kafka: set transport.mode = kafka")
    if not on_loopback(s.collector.public_url) and on_loopback(s.rights.public_url):
        raise StartupError(
            f"rights.public_url is {s.rights.public_url}, the visitor's own machine: the cinemas' rights "
            "link would send people there; set it to the rights page's public address"
        )
    sup = Supervisor(s, out)
    s.data_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        stack.callback(sup.claim().release)
        prepare_metrics_dir(s.data_dir)
        cp = stack.enter_context(contextlib.closing(sup.control()))
        _keys(s, cp)
        k = s.kafka
        try:
            ensure(k)
        except BrokerUnreachable as exc:
            raise StartupError(exc.message) from exc
        forwarder = KafkaForwarder(
            SpoolReader(wiring.spool_dir(s)),
            lambda: make_producer(k.bootstrap_servers, k.max_block_ms, k.request_timeout_ms, k.linger_ms),
            k.topic,
        )
        forwarder.start()
        stack.callback(_stop_drain, forwarder)
        proc = sup.collector()
        stack.callback(stop_collector, proc)
        _serving(stack, sup.metrics())
        sup.say(
            f"artaud collector on {s.collector.public_url}, forwarding to Kafka {k.bootstrap_servers} "
            f"topic {k.topic}"
        )
        code = sup.wait(_collector_alive(proc), _watch_workers(s, proc))
    sup.say("artaud collector stopped; what Kafka did not acknowledge stays in the spool.")
    return code


def run_ingester(settings: Settings, out: Any = sys.stdout) -> int:
    """`artaud ingester` (production): one member of the consumer group, Kafka → ClickHouse server."""
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.errors import KafkaError
    from prometheus_client import start_http_server

    from artaud.ingest.consumer import Ingester, dead_letter_producer
    from artaud.ingest.kafka_source import KafkaSource
    from artaud.ingest.metrics import IngestMetrics
    from artaud.ingest.sql_state import SqlStateStore
    from artaud.transport.topics import BrokerUnreachable, ensure
    from artaud.warehouse.loader import ExactLoader

    s = settings
    logging.getLogger("artaud.ingester").setLevel(logging.INFO)
    if s.warehouse.backend != "server":
        raise StartupError("the ingester loads a ClickHouse server: set warehouse.backend = server")
    sup = Supervisor(s, out)
    with contextlib.ExitStack() as stack:
        cp = stack.enter_context(contextlib.closing(sup.control()))
        wh = stack.enter_context(contextlib.closing(wiring.warehouse(s)))
        migrate(wh)
        k = s.kafka
        try:
            ensure(k)
            consumer = KafkaSource(
                KafkaConsumer(
                    bootstrap_servers=k.bootstrap_servers.split(","),
                    group_id=k.group_id,
                    enable_auto_commit=False,
                    auto_offset_reset="earliest",
                    max_poll_records=s.warehouse.batch_rows,
                    request_timeout_ms=max(k.request_timeout_ms, 30_000),
                )
            )
            stack.callback(consumer.close)  # idempotent: the ingester's close closes it first
            dlq = KafkaProducer(
                bootstrap_servers=k.bootstrap_servers.split(","), acks="all", max_block_ms=k.max_block_ms
            )
            stack.callback(dlq.close, timeout=5)
        except (BrokerUnreachable, KafkaError) as exc:
            raise StartupError(f"Kafka at {k.bootstrap_servers} is unreachable: {exc}") from exc
        metrics = IngestMetrics()
        if k.metrics_port:
            start_http_server(k.metrics_port, registry=metrics.registry)
        ingester = Ingester(
            consumer,
            ExactLoader(wh),
            SqlStateStore(cp.engine),
            k.topic,
            dead_letter_producer(dlq, k.dead_letter_topic),
            batch_rows=s.warehouse.batch_rows,
            batch_seconds=s.warehouse.batch_seconds,
            poison_window=k.poison_window,
            max_poison_ratio=k.max_poison_ratio,
            metrics=metrics,
        )
        stack.callback(ingester.close)  # flushes what it holds, then leaves the group
        ingester.subscribe()
        sup.say(
            f"artaud ingester: {k.topic} (group {k.group_id}) → ClickHouse {s.warehouse.host}:{s.warehouse.port}"
        )
        code = 0
        try:
            while not sup.stopping.is_set():
                ingester.poll_once()
        except Exception as exc:
            sup.say(f"error: {exc}")
            code = 1
    sup.say("artaud ingester stopped.")
    return code


def run_scheduler(settings: Settings, out: Any = sys.stdout) -> int:
    """`artaud scheduler` (production): migrations, privacy jobs and the console."""
    s = settings
    sup = Supervisor(s, out)
    sup.check_segments()
    with contextlib.ExitStack() as stack:
        cp = stack.enter_context(contextlib.closing(sup.control()))
        _keys(s, cp)
        wh = stack.enter_context(contextlib.closing(wiring.warehouse(s)))
        migrate(wh)
        sched = sup.sched = scheduler(s, wh, cp)
        sched.start()
        stack.callback(sched.shutdown, wait=False)
        _serving(stack, sup.console(cp, wh, lambda: {}))
        _serving(stack, sup.partner_api(cp, wh))
        _serving(stack, sup.rights(cp, wh))
        sup.say(
            f"artaud scheduler running; console on http://{s.admin.host}:{s.admin.port}/, "
            f"partners' API on http://{s.partners.host}:{s.partners.port}/v1/"
        )
        return sup.wait(lambda: None)


def _banner(sup: Supervisor, cp: ControlPlane, created: list[Any]) -> None:
    s = sup.settings
    sup.say("artaud is running (embedded: chdb + SQLite). Ctrl-C stops it.")
    sup.say(f"  collector : {s.collector.public_url}  (pixel /c/p.gif, beacon /c/e, tag /c/t.js)")
    if s.collector.metrics_port:
        sup.say(f"  counters  : http://{s.collector.metrics_host}:{s.collector.metrics_port}/metrics")
    sup.say(f"  console   : http://{s.admin.host}:{s.admin.port}/")
    staff = [u for u in accounts_of(cp.engine, wiring.keyring(s), s.admin).list() if u.role == "admin"]
    if not staff:
        sup.say(
            "              no administrator yet: artaud users add --login LOGIN --name 'Full Name' "
            "--role admin --by LOGIN  (prints a one-time setup link)"
        )
    if s.partners.port:
        sup.say(f"  partners  : http://{s.partners.host}:{s.partners.port}/v1/openapi.json")
    if s.rights.port:
        sup.say(f"  rights    : {s.rights.public_url}/  (opened by each cinema's link: /c/r.js)")
    sup.say(f"  data dir  : {s.data_dir.resolve()}")
    if created:
        sup.say(f"  created {len(created)} demo cinemas")
    for c in cp.cinemas():
        sup.say(f"\n  {c.name} ({c.cnc_id}), domains {', '.join(c.domains)}; tag snippet:")
        for line in snippet(s.collector.public_url, c.site_key).splitlines():
            sup.say("    " + line)
    sup.say("\n  Try traffic:  artaud simulate --rate 200 --duration 20")
