"""The main job on embedded defaults: collector workers, spool writer, scheduler and console.

One command supervises everything. The collector runs as granian worker processes (a
bare WSGI callable is ~4x a Flask view); this process owns the embedded ClickHouse and
drains the spool into it, runs the scheduled jobs and serves the console on loopback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from werkzeug.serving import make_server

from admin.web import create_admin
from artaud import wiring
from artaud.demo import seed_demo, snippet
from collector.salts import SaltStore
from config.settings import Settings
from spool.reader import SpoolReader
from warehouse import retention
from warehouse.migrate import migrate
from warehouse.writer import SpoolDrainer

log = logging.getLogger("artaud.service")


def prepare_metrics_dir(data_dir: Path) -> Path:
    d = data_dir / "metrics"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(d)
    return d


def collector_command(settings: Settings) -> list[str]:
    c = settings.collector
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--factory",
        "--host",
        c.host,
        "--port",
        str(c.port),
        "--workers",
        str(c.workers),
        "--blocking-threads",
        str(c.blocking_threads),
        "--no-ws",
        "--log-level",
        "warning",
        "artaud.wiring:collector_app",
    ]


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def stop_collector(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """SIGTERM the collector server (it stops its workers); SIGKILL any straggler."""
    workers = _descendants(proc.pid) if os.path.isdir("/proc") else []
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 5
    for pid in workers:
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class Service:
    def __init__(self, settings: Settings, out: Any = sys.stdout) -> None:
        self.settings = settings
        self.out = out
        self.stopping = threading.Event()
        self.collector: subprocess.Popen[bytes] | None = None

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def run(self) -> int:
        s = self.settings
        for sig in (signal.SIGINT, signal.SIGTERM):  # first: a stop during start-up is a clean stop
            signal.signal(sig, lambda *_: self.stopping.set())
        s.data_dir.mkdir(parents=True, exist_ok=True)
        prepare_metrics_dir(s.data_dir)
        os.environ.setdefault("ARTAUD_PATHS__DATA_DIR", str(s.data_dir))
        cp = wiring.control(s)
        cp.migrate()
        created = seed_demo(cp)
        ring = wiring.keyring(s)
        ring.current(wiring.POOLED_KEY)
        cp.sync_key_versions(
            (k.purpose, k.version, k.created_at, k.retire_after, k.destroyed) for k in ring.metas()
        )
        wh = wiring.warehouse(s)
        migrate(wh)
        reader = SpoolReader(wiring.spool_dir(s))
        drainer = SpoolDrainer(reader, wh, s.warehouse.batch_rows, s.warehouse.batch_seconds)
        drainer.start()

        salts = SaltStore(wiring.salts_dir(s))
        sched = BackgroundScheduler(timezone="Europe/Paris")
        sched.add_job(
            lambda: salts.destroy_expired(datetime.now(UTC), s.privacy.salt_retention_hours),
            "interval",
            minutes=15,
            id="destroy-salts",
            next_run_time=datetime.now(UTC),
        )
        sched.add_job(
            ring.destroy_retired, "interval", hours=1, id="destroy-keys", next_run_time=datetime.now(UTC)
        )
        sched.add_job(
            lambda: retention.enforce(wh, date.today(), s.privacy.event_retention_months),
            "cron",
            hour=3,
            id="retention",
        )
        sched.start()

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
            }

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        admin = make_server(s.admin.host, s.admin.port, create_admin(cp, wh, status), threaded=True)
        threading.Thread(target=admin.serve_forever, name="admin", daemon=True).start()

        env = dict(os.environ, ARTAUD_PATHS__DATA_DIR=str(s.data_dir.resolve()))
        self.collector = subprocess.Popen(collector_command(s), env=env)
        if not self._wait_port(s.collector.host, s.collector.port, 30):
            self._say("error: the collector did not start; see the messages above")
            self._shutdown(drainer, sched, admin, wh, cp)
            return 1

        self._banner(cp, created)
        while not self.stopping.wait(0.5):
            if self.collector.poll() is not None:
                self._say(f"error: the collector exited with code {self.collector.returncode}")
                break
        self._shutdown(drainer, sched, admin, wh, cp)
        return 0

    @staticmethod
    def _wait_port(host: str, port: int, timeout: float) -> bool:
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((host, port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def _banner(self, cp: Any, created: list[Any]) -> None:
        s = self.settings
        self._say("artaud is running (embedded: chdb + SQLite). Ctrl-C stops it.")
        self._say(
            f"  collector : {s.collector.public_url}  (pixel /c/p.gif, beacon /c/e, tag /c/t.js, /metrics)"
        )
        self._say(f"  console   : http://{s.admin.host}:{s.admin.port}/")
        self._say(f"  data dir  : {s.data_dir.resolve()}")
        if created:
            self._say(f"  created {len(created)} demo cinemas")
        for c in cp.cinemas():
            self._say(f"\n  {c.name} ({c.cnc_id}), domains {', '.join(c.domains)}; tag snippet:")
            for line in snippet(s.collector.public_url, c.site_key).splitlines():
                self._say("    " + line)
        self._say("\n  Try traffic:  artaud simulate --rate 200 --duration 20")

    def _shutdown(self, drainer: SpoolDrainer, sched: Any, admin: Any, wh: Any, cp: Any) -> None:
        if self.collector is not None:
            stop_collector(self.collector)
        drainer.stop()
        try:
            drainer.drain()
        except Exception as exc:
            log.error("final drain failed (the spool keeps the rest): %s", exc)
        sched.shutdown(wait=False)
        admin.shutdown()
        wh.close()
        cp.close()
        self._say("artaud stopped; everything accepted is in the warehouse or the spool.")
