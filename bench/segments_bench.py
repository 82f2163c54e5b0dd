"""Building every default segment over N synthetic events, and streaming a 1-million-member export,
in the embedded ClickHouse (chdb) and in the ClickHouse server (Debian's 18.16).

Usage: python bench/segments_bench.py [--events 100000000] [--engines chdb,server] [--export 1000000]
       [--builds 3] [--json bench/results/segments-latest.json]

Each engine builds every default segment `--builds` times on the same events (the previous build's
snapshots dropped in between) and reports the median build, with every build's time beside it. The
timings start once the generated events have stopped merging in the background.

Baselines measured in the same run, on the same data: one full scan of the pooled track
(count and distinct visitors) for the build, and fetching the export's stored pseudonyms without the paging
or formatting them for the stream. The events are generated inside ClickHouse (INSERT … SELECT from
numbers()): 1 in 10 events per visitor, half the visitors pooled, half of those consenting to the
partner, 366 cinemas, 90 days, 300 films, 13 regions, 5% bots, 5% cross-cinema ids. Visitors look
like the collector's pseudonyms: `p1.` and 32 hex digits.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import secrets
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from artaud.controlplane.store import ControlPlane  # noqa: E402
from artaud.partners.exports import ExportService, PartnerKey  # noqa: E402
from artaud.partners.keys import new_key  # noqa: E402
from artaud.partners.store import PartnerStore  # noqa: E402
from artaud.segments.builder import BuildReport, SegmentBuilder  # noqa: E402
from artaud.segments.catalog import drop_old_snapshots  # noqa: E402
from artaud.segments.definitions import load_segments  # noqa: E402
from artaud.segments.guards import GuardPolicy  # noqa: E402
from artaud.segments.rules import CinemaInfo  # noqa: E402
from artaud.warehouse.backend import ChdbWarehouse, ServerWarehouse, Warehouse  # noqa: E402
from artaud.warehouse.migrate import migrate  # noqa: E402

TODAY = date(2026, 11, 24)
CINEMAS = 366
REGIONS = [
    "FR-IDF",
    "FR-ARA",
    "FR-BRE",
    "FR-NAQ",
    "FR-OCC",
    "FR-PAC",
    "FR-HDF",
    "FR-GES",
    "FR-NOR",
    "FR-PDL",
    "FR-BFC",
    "FR-CVL",
    "FR-COR",
]


def cinemas() -> list[CinemaInfo]:
    labels = [("RD",), ("JP",), ("RD", "JP"), (), ("PR",), ("RD", "PR")]
    return [CinemaInfo(i, "ABCDE"[i % 5], labels[i % len(labels)]) for i in range(1, CINEMAS + 1)]


def generate_sql(db: str, first: int, count: int, visitors: int) -> str:
    v = f"(intHash64(number) % {visitors})"
    regions = "[" + ", ".join(f"'{r}'" for r in REGIONS) + "]"
    return (
        f"INSERT INTO {db}.events (event_id, received_at, event_date, cinema_id, track, visitor, key_version, "
        f"event_name, film_ref, region, is_bot, consent_source, consent_purposes, consent_id) "
        f"SELECT concat('b', toString(number)), "
        f"toDateTime(toDate('{TODAY.isoformat()}') - (number % 90)) + (number % 86400), "
        f"toDate('{TODAY.isoformat()}') - (number % 90), "
        f"toUInt32(if(number % 20 = 0, ({v} + 7) % {CINEMAS} + 1, {v} % {CINEMAS} + 1)), "
        f"if({v} % 100 < 50, 'pooled', 'exempt'), "
        f"concat(if({v} % 100 < 50, 'p1.', 'd.'), lower(hex(sipHash128(toString({v}))))), "
        f"toUInt16(if({v} % 100 < 50, 1, 0)), "
        f"multiIf(number % 100 < 60, 'page_view', number % 100 < 80, 'view_item', number % 100 < 88, "
        f"'select_item', number % 100 < 93, 'add_to_cart', number % 100 < 97, 'begin_checkout', 'purchase'), "
        f"if(number % 100 < 60, '', concat('film-', toString(intHash64(number + 1) % 300))), "
        f"arrayElement({regions}, toUInt32({v} % 13 + 1)), "
        f"toUInt8(number % 20 = 1), "
        f"if({v} % 100 < 50, 'tag', 'none'), "
        f"if({v} % 100 < 50, if({v} % 2 = 0, 'measure,pool,partner:demo-agency', 'measure,pool'), 'measure'), "
        f"if({v} % 100 < 50, 'c.bench', '') "
        f"FROM numbers({first}, {count})"
    )


def settle(wh: Warehouse, quiet_seconds: int = 5, limit_seconds: int = 900) -> None:
    """Wait until no merge has run in the bench database for `quiet_seconds`: the freshly generated
    events are merged in the background for a while, and a build timed meanwhile would share the
    cores with those merges (a production warehouse merged its events long before the nightly build)."""
    t0 = time.perf_counter()
    quiet = 0
    while quiet < quiet_seconds and time.perf_counter() - t0 < limit_seconds:
        [(running,)] = wh.query(f"SELECT count() FROM system.merges WHERE database = '{wh.database}'")
        quiet = 0 if running else quiet + 1
        print(
            f"\r  waiting for merges to settle: {int(running)} running ({time.perf_counter() - t0:.0f} s)",
            end="",
            flush=True,
        )
        time.sleep(1)
    print()


def rss_mb() -> float:
    """This process's resident memory now (MB), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    print(f"  {label}: {dt:.2f} s", flush=True)
    return dt, out


def bench_engine(
    name: str, wh: Warehouse, events: int, export_size: int, tmp: Path, builds: int
) -> dict[str, Any]:
    print(f"== {name}", flush=True)
    migrate(wh)
    db = wh.database
    visitors = max(1000, events // 10)
    step = 10_000_000
    t0 = time.perf_counter()
    for first in range(0, events, step):
        wh.execute(generate_sql(db, first, min(step, events - first), visitors))
        done = min(first + step, events)
        print(
            f"\r  generating events: {done:,}/{events:,} ({time.perf_counter() - t0:.0f} s)",
            end="",
            flush=True,
        )
    print()
    settle(wh)
    scan_s, scan = timed(
        "baseline: one scan of the pooled track (count, distinct visitors)",
        lambda: wh.query(f"SELECT count(), uniq(visitor) FROM {db}.events WHERE track = 'pooled'"),
    )
    # 21:00 UTC: late on TODAY in Paris too (the builder's day is the cinemas', as event_date)
    now = datetime(TODAY.year, TODAY.month, TODAY.day, 21, tzinfo=UTC)
    defs = load_segments()
    clock = [now]  # each build a second after the previous one, so the last is the latest
    builder = SegmentBuilder(wh, cinemas, defs, GuardPolicy(), clock=lambda: clock[0])
    runs: list[tuple[float, dict[str, float], BuildReport]] = []
    for run in range(1, builds + 1):
        if runs:  # each build on its own: the previous one's snapshots are dropped
            drop_old_snapshots(wh, TODAY + timedelta(days=1), keep_days=0)
        clock[0] = now + timedelta(seconds=run)
        marks: list[tuple[float, str]] = []

        def progress(done: int, total: int, what: str, marks: list[tuple[float, str]] = marks) -> None:
            marks.append((time.perf_counter(), what))
            print(f"\r  [{done}/{total}] {what:<50}", end="" if done < total else "\n", flush=True)

        seconds, built = timed(
            f"build of every default segment ({run}/{builds})", lambda: builder.build(progress=progress)
        )
        steps = {what: round(t1 - t0, 2) for (t0, what), (t1, _) in itertools.pairwise(marks)}
        print("  steps: " + ", ".join(f"{k} {v} s" for k, v in steps.items()), flush=True)
        runs.append((seconds, steps, built))
    # the median build (this machine is noisy), with its steps; the export uses the last build
    build_s, step_seconds, _ = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    report = runs[-1][2]
    published = [s for s in report.segments if s.published]
    # export: the largest published segment, for a partner most of its members consented to
    cp = ControlPlane(f"sqlite:///{tmp / f'{name}-control.sqlite'}")
    cp.migrate()
    store = PartnerStore(cp.engine)
    store.add("demo-agency", "Demo Agency")
    k = new_key()
    store.add_key("demo-agency", k.prefix, k.secret_hash, ("*",), ("csv", "jsonl"))
    service = ExportService(
        wh,
        store,
        lambda slug: PartnerKey(1, b"p" * 32),
        Ed25519PrivateKey.generate(),
        secrets.token_bytes(32),
        GuardPolicy(),
        clock=lambda: clock[0],
    )
    biggest = max(published, key=lambda s: s.members)
    key = store.key(k.prefix)
    partner = store.get("demo-agency")
    assert key is not None and partner is not None
    create_s, record = timed(
        f"create the export of {biggest.key}", lambda: service.create(partner, key, biggest.key)
    )
    n = min(export_size, record.members)
    raw_s, _ = timed(
        f"baseline: fetch {n:,} stored pseudonyms",
        lambda: wh.query(
            f"SELECT pseudonym FROM {db}.export_lists WHERE export_id = '{record.id}' ORDER BY pseudonym LIMIT {n}"
        ),
    )
    rss_before = rss_mb()
    rss_peak = [rss_before]

    def stream() -> int:
        rows, _cursor = service.page(record, "members", None, n)
        size = 0
        buf: list[str] = []
        for p in rows:
            buf.append('{"pseudonym":"' + p + '"}\n')
            if len(buf) >= 5000:
                size += len("".join(buf).encode())
                buf = []
                rss_peak[0] = max(rss_peak[0], rss_mb())
        return size + len("".join(buf).encode())

    stream_s, size = timed(f"stream {n:,} members as JSON lines", stream)
    rss_after = rss_peak[0]
    return {
        "engine": name,
        "events": events,
        "visitors": visitors,
        "pooled_events": int(scan[0][0]),
        "scan_seconds": round(scan_s, 2),
        "build_seconds": round(build_s, 2),
        "build_seconds_runs": [round(r[0], 2) for r in runs],
        "build_over_scan": round(build_s / scan_s, 1),
        "build_steps_seconds": step_seconds,
        "segments": len(report.segments),
        "published": len(published),
        "export_segment": biggest.key,
        "export_members": record.members,
        "create_export_seconds": round(create_s, 2),
        "streamed_members": n,
        "stream_seconds": round(stream_s, 2),
        "fetch_baseline_seconds": round(raw_s, 2),
        "stream_over_fetch": round(stream_s / raw_s, 1),
        "stream_bytes": size,
        "rss_mb_before_stream": round(rss_before),
        "rss_mb_peak_during_stream": round(rss_after),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000_000)
    ap.add_argument("--engines", default="chdb,server")
    ap.add_argument("--export", type=int, default=1_000_000)
    ap.add_argument("--builds", type=int, default=3, help="builds per engine; the median is reported")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="artaud-segbench-") as d:
        tmp = Path(d)
        for engine in args.engines.split(","):
            if engine == "chdb":
                wh: Warehouse = ChdbWarehouse(tmp / "chdb", "bench")
                try:
                    results.append(bench_engine("chdb", wh, args.events, args.export, tmp, args.builds))
                finally:
                    wh.close()
            else:
                from artaud_devkit.testing.servers import ClickHouseServer

                server = ClickHouseServer().start()
                try:
                    wh = ServerWarehouse(server.host, server.tcp_port, "bench")
                    results.append(bench_engine("server", wh, args.events, args.export, tmp, args.builds))
                    wh.close()
                finally:
                    server.close()
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
