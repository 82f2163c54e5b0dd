"""The collector's worker processes: granian serving the bare WSGI callable, tied to the supervisor."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from artaud.config.settings import Settings, for_child


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
        "artaud.launch_collector",
        "--interface",
        "rsgi",
        "--loop",
        "uvloop",
        "--factory",
        "--host",
        c.host,
        "--port",
        str(c.port),
        "--workers",
        str(c.workers),
        "--http1-header-read-timeout",
        str(c.header_timeout_ms),
        "--backpressure",
        str(c.max_requests_per_worker),
        "--respawn-failed-workers",  # a worker the watchdog killed is replaced (runtime/watchdog.py)
        "--respawn-interval",
        "1",
        "--no-ws",
        "--log-level",
        "warning",
        "artaud.wiring:collector_rsgi",
    ]


def descendants(pid: int) -> list[int]:
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
    workers = descendants(proc.pid) if os.path.isdir("/proc") else []
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


def start_collector(settings: Settings) -> subprocess.Popen[bytes]:
    env = dict(os.environ, **for_child(settings), ARTAUD_SUPERVISOR_PID=str(os.getpid()))
    return subprocess.Popen(collector_command(settings), env=env)


def wait_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False
