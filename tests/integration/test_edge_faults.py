"""The collector against clients and faults that used to take it down, on the real service:

- slow clients (headers and then a trickling body; headers alone; idle connections), far more of
  them than the workers have threads, while a normal client keeps getting answers within its budget;
- the supervisor killed alone with SIGKILL: no collector process stays listening, a restart serves
  alone, and a second service on the same data directory refuses to start.

`ARTAUD_RELIABILITY_REPORT=<file.jsonl>` appends the figures (RELIABILITY.md shows the latest)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from artaud_devkit.testing.app_process import ArtaudProcess

pytestmark = pytest.mark.slow

SLOW = 120  # connections that each try to hold a worker (2 workers; under WSGI 8 threads each froze it)
BUDGET_MS = 250  # what a normal client may wait, per request, while they do


def report(row: dict[str, object]) -> None:
    path = os.environ.get("ARTAUD_RELIABILITY_REPORT")
    if path:
        with open(path, "a") as fh:
            fh.write(json.dumps(row) + "\n")


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def collector_pids(port: int) -> list[int]:
    out = subprocess.run(["pgrep", "-f", "--", f"--port {port} "], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_slow_clients_never_hold_a_worker(tmp_path: Path) -> None:
    svc = ArtaudProcess(
        tmp_path / "data",
        extra_env={
            "ARTAUD_COLLECTOR__BODY_TIMEOUT_MS": "3000",
            "ARTAUD_COLLECTOR__HEADER_TIMEOUT_MS": "3000",
        },
    ).start()
    socks: list[socket.socket] = []
    stop = threading.Event()
    answers: list[bytes] = []
    try:
        site = svc.sites()[0]
        body = json.dumps(
            {"k": site["site_key"], "e": [{"n": "page_view", "u": f"https://{site['domains'][0]}/"}]}
        ).encode()
        for i in range(SLOW):
            s = socket.create_connection(("127.0.0.1", svc.port))
            if i % 3 == 0:  # the headers, then one byte of a 1000-byte body
                s.sendall(
                    b"POST /c/e HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n{"
                )
            elif i % 3 == 1:  # half the headers
                s.sendall(b"POST /c/e HTTP/1.1\r\nHost: x\r\nContent-Le")
            socks.append(s)  # else: connected, silent

        def trickle() -> None:  # one more byte every second on the body connections
            while not stop.wait(1.0):
                for s in socks[::3]:
                    with contextlib.suppress(OSError):
                        s.send(b" ")

        threading.Thread(target=trickle, daemon=True).start()
        time.sleep(0.5)
        latencies = []
        statuses = []
        for _ in range(100):
            t = time.monotonic()
            req = urllib.request.Request(
                svc.url + "/c/e",
                data=body,
                headers={"Origin": f"https://{site['domains'][0]}", "Content-Type": "text/plain"},
            )
            with urllib.request.urlopen(req, timeout=10) as r:
                statuses.append(r.status)
            latencies.append((time.monotonic() - t) * 1000)
            time.sleep(0.02)
        with urllib.request.urlopen(svc.url + "/healthz", timeout=5) as r:
            assert r.status == 200
        # past the deadlines, the slow body gets its 408 and the slow headers their closed socket
        time.sleep(4)
        for s in socks[::3]:
            s.settimeout(2)
            got = b""
            with contextlib.suppress(OSError):
                while chunk := s.recv(4096):
                    got += chunk
            answers.append(got)
    finally:
        stop.set()
        for s in socks:
            s.close()
        svc.stop()
    p50, p99 = statistics.median(latencies), sorted(latencies)[98]
    report({"test": "slow_clients", "slow_connections": SLOW, "requests": 100, "p50_ms": p50, "p99_ms": p99})
    assert statuses == [204] * 100
    assert p99 < BUDGET_MS, f"p99 {p99:.0f} ms with {SLOW} slow clients"
    assert sum(a.startswith(b"HTTP/1.1 408") for a in answers) >= len(answers) * 0.9, answers[:3]
    assert b"too_slow" in b"".join(answers)


def test_the_supervisor_killed_alone_leaves_no_collector_behind(tmp_path: Path) -> None:
    svc = ArtaudProcess(tmp_path / "data").start()
    port = svc.port
    assert len(collector_pids(port)) == 3  # the granian server and its two workers
    assert svc.proc is not None
    os.kill(svc.proc.pid, signal.SIGKILL)  # the supervisor alone, not its process group
    t0 = time.monotonic()
    while (listening(port) or collector_pids(port)) and time.monotonic() - t0 < 5:
        time.sleep(0.05)
    gone_after = time.monotonic() - t0
    report({"test": "supervisor_killed_alone", "collector_gone_after_s": round(gone_after, 3)})
    assert not listening(port) and collector_pids(port) == [], f"still there after {gone_after:.1f} s"

    again = ArtaudProcess(tmp_path / "data")
    again.port = port
    again.env.update(
        ARTAUD_COLLECTOR__PORT=str(port), ARTAUD_COLLECTOR__PUBLIC_URL=f"http://127.0.0.1:{port}"
    )
    again.start()
    try:
        pids = collector_pids(port)
        assert len(pids) == 3 and all(p > 0 for p in pids)  # it serves alone
        second = ArtaudProcess(tmp_path / "data")
        with pytest.raises(RuntimeError, match=r"another artaud .* is running on the data directory"):
            second.start(timeout=30)
    finally:
        again.stop()


def test_a_failed_start_up_tears_down_the_collector_it_started(tmp_path: Path) -> None:
    """The counters cannot listen (their port is taken), which is found after the collector was
    launched: the start-up fails and no collector is left acknowledging hits alone."""
    import socket as sockets

    blocker = sockets.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    svc = ArtaudProcess(tmp_path / "data")
    svc.metrics_port = blocker.getsockname()[1]
    svc.env["ARTAUD_COLLECTOR__METRICS_PORT"] = str(svc.metrics_port)
    try:
        with contextlib.suppress(RuntimeError):  # it may look ready for an instant, or not at all
            svc.start(timeout=60)
        assert svc.proc is not None and svc.proc.wait(60) != 0
        assert "in use" in svc.log()
        t0 = time.monotonic()
        while (listening(svc.port) or collector_pids(svc.port)) and time.monotonic() - t0 < 5:
            time.sleep(0.05)
        report({"test": "failed_start_up", "collector_gone_after_s": round(time.monotonic() - t0, 3)})
        assert not listening(svc.port) and collector_pids(svc.port) == []
    finally:
        blocker.close()
        svc.kill9()


def test_a_frozen_worker_is_replaced_and_the_service_keeps_answering(tmp_path: Path) -> None:
    """SIGSTOP one collector worker: the connections that land on it would hang while `/healthz`,
    answered by the other, stays green. It stops beating; the supervisor kills it and granian starts
    another (runtime/watchdog.py)."""
    from artaud.workers import descendants
    from tests.integration.client import HitClient

    svc = ArtaudProcess(tmp_path / "data", {"ARTAUD_COLLECTOR__WORKER_STALL_SECONDS": "3"}).start()
    try:
        assert svc.proc is not None
        [server] = [p for p in descendants(svc.proc.pid) if descendants(p)]  # the granian server
        workers = descendants(server)
        assert len(workers) == 2
        victim = workers[0]
        os.kill(victim, signal.SIGSTOP)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 30:
            fresh = [p for p in descendants(server) if p != victim]
            if victim not in descendants(server) and len(fresh) == 2:
                break
            time.sleep(0.1)
        replaced_after = time.monotonic() - t0
        assert victim not in descendants(server) and len(descendants(server)) == 2, descendants(server)
        site = svc.sites()[0]
        host = site["domains"][0]
        statuses = []
        for i in range(100):  # new connections, spread over both workers
            client = HitClient(svc.url)
            status, _ = client.beacon(
                site["site_key"], host, [{"n": "page_view", "u": f"https://{host}/", "i": f"fz-{i:06d}"}]
            )
            statuses.append(status)
            client.close()
        report(
            {
                "test": "frozen_worker",
                "replaced_after_s": round(replaced_after, 1),
                "answered_204": statuses.count(204),
            }
        )
        assert statuses == [204] * 100
        assert "sent no beat" in svc.log()
    finally:
        svc.stop()
