"""CPU cost of the collector's hit path per hit, without HTTP (where the time goes).

Usage: python bench/hitpath_bench.py [--hits 50000] [--profile] [--wsgi]
Runs the real app (real spool writer on a temp dir, real counters) on pre-built requests: the
`Request` values the RSGI adapter hands `CollectorApp.handle` (what the workers serve), or with
`--wsgi` pre-built WSGI environs through the WSGI adapter.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from artaud.collector.agents import AgentClassifier  # noqa: E402
from artaud.collector.app import CollectorApp, CollectorConfig  # noqa: E402
from artaud.collector.geo import CidrTable  # noqa: E402
from artaud.collector.metrics import CollectorMetrics  # noqa: E402
from artaud.collector.pseudonym import Pseudonymiser  # noqa: E402
from artaud.collector.request import Request  # noqa: E402
from artaud.collector.salts import SaltStore  # noqa: E402
from artaud.collector.sites import Site, StaticSites  # noqa: E402
from artaud.config.settings import load  # noqa: E402
from artaud.spool.writer import SpoolWriter  # noqa: E402

KEY = "sk_benchsite00001"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"


def environ(body: bytes) -> dict[str, object]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/c/e",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_ORIGIN": "https://bench.example",
        "HTTP_USER_AGENT": UA,
        "REMOTE_ADDR": "10.11.1.2",
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hits", type=int, default=50_000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--wsgi", action="store_true")
    ap.add_argument("--sort", default="cumulative", help="pstats order with --profile (cumulative, tottime)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    app = CollectorApp(
        config=CollectorConfig.of(load(env={})),
        sites=StaticSites({KEY: Site(1, "0000001", ("bench.example",), True)}),
        sink=SpoolWriter(tmp / "spool", 1 << 32, 64 << 20, 200),
        pseudonymiser=Pseudonymiser(secrets.token_bytes(32), 1),
        salts=SaltStore(tmp / "salts"),
        agents=AgentClassifier(),
        regions=CidrTable([("10.11.0.0/16", "FR-IDF")]),
        metrics=CollectorMetrics(),
    )
    bodies = [
        json.dumps(
            {
                "k": KEY,
                "v": f"visitor-{i % 500:06d}",
                "c": "measure,pool" if i % 2 else "measure",
                "e": [
                    {
                        "n": "page_view",
                        "u": "https://bench.example/films/x?film=abc&utm_source=nl",
                        "i": f"evt-{i:010d}",
                    }
                ],
            }
        ).encode()
        for i in range(args.hits)
    ]

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        assert status.startswith("204"), status

    headers = {
        "origin": "https://bench.example",
        "user-agent": UA,
        "content-type": "text/plain;charset=UTF-8",
    }
    app(environ(bodies[0]), start_response)
    app.agents.drain()
    prof = cProfile.Profile() if args.profile else None
    if args.wsgi:
        envs = [environ(b) for b in bodies]
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        for env in envs:
            app(env, start_response)
    else:
        reqs = [Request("POST", "/c/e", "", headers, b, "10.11.1.2") for b in bodies]
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        for req in reqs:
            assert app.handle(req).status == 204
    if prof:
        prof.disable()
    dt = time.perf_counter() - t0
    print(
        f"{args.hits} hits in {dt:.2f}s: {dt / args.hits * 1e6:.1f} µs per hit, {args.hits / dt:,.0f} hits/s on one core"
    )
    if prof:
        pstats.Stats(prof).sort_stats(args.sort).print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
