"""Send simulated traffic at a chosen rate, show progress, then summarise what reached the warehouse."""

from __future__ import annotations

import http.client
import json
import random
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from artaud_devkit.simulator.traffic import SimRequest, SimSite, Visitor, make_visitor, next_request


@dataclass(frozen=True)
class SimConfig:
    collector_url: str
    admin_url: str
    admin_token: str = ""  # a console API token (artaud users token, or artaud_devkit.console_token)
    rate: float = 200.0
    duration: float = 20.0
    seed: int = 1
    concurrency: int = 8
    visitors: int = 2000
    settle_seconds: float = 60.0


@dataclass
class Tally:
    sent: int = 0
    accepted_requests: int = 0
    accepted_events: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    unexpected: int = 0
    errors: int = 0
    by_cinema: Counter[str] = field(default_factory=Counter)


def _get_json(url: str, token: str) -> Any:
    request = Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})  # noqa: S310
    with urlopen(request, timeout=10) as resp:  # noqa: S310 - operator-supplied local URL
        return json.load(resp)


def fetch_sites(admin_url: str, token: str) -> list[SimSite]:
    return [
        SimSite(s["site_key"], s["cnc_id"], tuple(s["domains"]))
        for s in _get_json(admin_url + "/api/v1/sites", token)
        if s["status"] == "active" and s["domains"]
    ]


def stored_for_run(admin_url: str, token: str, prefix: str) -> dict[str, tuple[int, int]]:
    """Per cinema id: (rows, distinct event ids) this run put in the warehouse."""
    got = _get_json(f"{admin_url}/api/v1/events/count?id_prefix={prefix}", token)
    return {str(k): (int(v["rows"]), int(v["distinct"])) for k, v in got.items()}


def simulate(cfg: SimConfig, out: Any = sys.stdout) -> int:
    sites = fetch_sites(cfg.admin_url, cfg.admin_token)
    if not sites:
        print("error: no active cinema with domains; register one first", file=sys.stderr)
        return 2
    prefix = f"sim-{uuid.uuid4().hex[:10]}-"
    rng = random.Random(cfg.seed)
    visitors: list[Visitor] = [make_visitor(rng) for _ in range(cfg.visitors)]
    total = max(1, int(cfg.rate * cfg.duration))
    plan: list[SimRequest] = [next_request(rng, sites, visitors, prefix, n) for n in range(total)]
    tally = Tally()
    lock = threading.Lock()
    nxt = [0]
    start = time.monotonic()
    target = urlsplit(cfg.collector_url)

    def worker() -> None:
        conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port or 80, timeout=10)
        while True:
            with lock:
                i = nxt[0]
                if i >= total:
                    break
                nxt[0] += 1
            delay = start + i / cfg.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            req = plan[i]
            try:
                conn.request(req.method, req.path, body=req.body or None, headers=req.headers)
                resp = conn.getresponse()
                body = resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(
                    target.hostname or "127.0.0.1", target.port or 80, timeout=10
                )
                with lock:
                    tally.errors += 1
                continue
            with lock:
                tally.sent += 1
                if 200 <= status < 300:
                    tally.accepted_requests += 1
                    tally.accepted_events += req.events
                    tally.by_cinema[req.cinema] += req.events
                else:
                    reason = body.decode(errors="replace").split(":", 1)[0].strip() or str(status)
                    tally.refused[reason] += 1
                if status != req.expected_status:
                    tally.unexpected += 1
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(cfg.concurrency)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        el = time.monotonic() - start
        print(
            f"\r  sent {tally.sent}/{total}  accepted {tally.accepted_requests}  refused "
            f"{sum(tally.refused.values())}  {tally.sent / max(el, 1e-9):.0f} req/s   ",
            end="",
            file=sys.stderr,
            flush=True,
        )
    print(file=sys.stderr)

    deadline = time.monotonic() + cfg.settle_seconds
    per = stored_for_run(cfg.admin_url, cfg.admin_token, prefix)
    while sum(v[0] for v in per.values()) < tally.accepted_events and time.monotonic() < deadline:
        time.sleep(0.5)
        per = stored_for_run(cfg.admin_url, cfg.admin_token, prefix)
    stored = sum(v[0] for v in per.values())
    distinct = sum(v[1] for v in per.values())
    print(
        f"\nSent {tally.sent} requests in {time.monotonic() - start:.1f}s; accepted {tally.accepted_requests} "
        f"({tally.accepted_events} events); transport errors {tally.errors}",
        file=out,
    )
    print("\nPer cinema (events accepted → rows now in the warehouse):", file=out)
    sites_by_cnc = {s.cnc_id: s for s in sites}
    ids = _get_json(cfg.admin_url + "/api/v1/sites", cfg.admin_token)
    id_of = {s["cnc_id"]: str(s["id"]) for s in ids}
    for cnc in sorted(sites_by_cnc):
        got = per.get(id_of.get(cnc, ""), (0, 0))[0]
        print(f"  {cnc}  accepted {tally.by_cinema[cnc]:6}  stored {got:6}", file=out)
    print("\nRefused, by reason:", file=out)
    for reason, n in sorted(tally.refused.items()):
        print(f"  {reason:18} {n}", file=out)
    exact = stored == distinct == tally.accepted_events
    ok = exact and tally.unexpected == 0
    print(
        f"\nWarehouse: {stored} rows ({distinct} distinct) for {tally.accepted_events} accepted events — "
        f"{'all accepted events stored exactly once' if exact else 'MISMATCH'}"
        f"; unexpected statuses: {tally.unexpected}",
        file=out,
    )
    return 0 if ok else 1
