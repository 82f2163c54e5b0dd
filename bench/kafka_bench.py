"""Production topology end to end on one machine: wrk → collector → spool → Kafka → ingester → ClickHouse.

Usage: python bench/kafka_bench.py [--duration 60] [--connections 32] [--json out.json]
Also measures nginx `empty_gif` and the collector alone in the same run, and each process's peak RSS.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from http_bench import BEACON_LUA, NGINX_CONF, wrk  # noqa: E402

from artaud_devkit.testing.app_process import ArtaudProcess, free_port  # noqa: E402
from artaud_devkit.testing.kafka_broker import KafkaBroker  # noqa: E402
from artaud_devkit.testing.servers import ClickHouseServer  # noqa: E402
from artaud_devkit.testing.stack import Stack  # noqa: E402


def peak_rss_mb(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    m = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(m.group(1)) / 1024 if m else 0.0


def descendants(pid: int) -> list[int]:
    from artaud.workers import descendants

    return descendants(pid)


def accepted(collector: ArtaudProcess) -> int:
    text = collector.metrics()
    return int(
        sum(float(v) for v in re.findall(r"^artaud_hits_accepted_total\{[^}]*\} ([\d.e+]+)$", text, re.M))
    )


def stored(stack: Stack) -> int:
    c = stack.clickhouse.client()
    try:
        return int(c.execute(f"SELECT count() FROM {stack.database}.events")[0][0])
    finally:
        c.disconnect()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument(
        "--rate", type=int, default=0, help="fixed offered rate (hits/s); 0 = as fast as possible"
    )
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="artaud-kbench-"))
    nport = free_port()
    (work / "nginx.conf").write_text(NGINX_CONF.format(dir=work, port=nport))
    nginx = subprocess.Popen(["nginx", "-c", str(work / "nginx.conf"), "-g", "daemon off;"])
    broker = KafkaBroker(partitions=4).start()
    ch = ClickHouseServer().start()
    stack = Stack(work, broker, ch)
    result: dict[str, Any] = {
        "duration_s": args.duration,
        "connections": args.connections,
        "offered_rate": args.rate,
    }
    try:
        collector = stack.process("collector").start()
        ingester = stack.process("ingester").start()
        site, host, _ = stack.sites[0]
        body = json.dumps({"k": site, "e": [{"n": "page_view", "u": f"https://{host}/programme"}]})
        lua = BEACON_LUA.format(body=body, host=host)
        if args.rate:  # each connection waits connections/rate seconds between requests
            lua += f"\nfunction delay() return {1000 * args.connections / args.rate:.0f} end\n"
        (work / "beacon.lua").write_text(lua)
        print("nginx empty_gif (15 s) ...", file=sys.stderr, flush=True)
        result["nginx"] = wrk(f"http://127.0.0.1:{nport}/empty.gif", 15, args.connections)
        samples: list[tuple[float, int, int]] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(1.0):
                try:
                    samples.append((time.monotonic(), accepted(collector), stored(stack)))
                except Exception as exc:  # a sample may fail under load; keep going
                    print(f"sample failed: {exc}", file=sys.stderr)

        sampler = threading.Thread(target=sample, daemon=True)
        print(f"end to end through Kafka ({args.duration} s) ...", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        sampler.start()
        res = wrk(f"{collector.url}/c/e", args.duration, args.connections, str(work / "beacon.lua"))
        t_load = time.monotonic()
        total = accepted(collector)
        while stored(stack) < total and time.monotonic() - t_load < 300:
            time.sleep(0.2)
        t_done = time.monotonic()
        stop.set()
        n_stored = stored(stack)
        rates = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in itertools.pairwise(samples) if b[0] > a[0]]
        mean_rate = max(sum(rates) / len(rates), 1.0) if rates else 1.0
        lag_s = [max(0, acc - st) / mean_rate for _, acc, st in samples if _ <= t_load]
        result["collector"] = res
        c = stack.clickhouse.client()
        dup = int(c.execute(f"SELECT count() - uniqExact(event_id) FROM {stack.database}.events")[0][0])
        c.disconnect()
        result["e2e"] = {
            # accepted is read when wrk stops; requests still in flight then are stored a moment later
            "accepted_when_load_ended": total,
            "stored": n_stored,
            "lost": total - n_stored if n_stored < total else 0,
            "duplicate_event_ids": dup,
            "e2e_hits_per_s": n_stored / (t_done - t0),
            "during_load_stored_per_s": (samples[-1][2] - samples[0][2]) / (samples[-1][0] - samples[0][0])
            if len(samples) > 1
            else 0.0,
            "drain_after_load_s": t_done - t_load,
            "max_lag_s": max(lag_s) if lag_s else 0.0,
            "median_lag_s": sorted(lag_s)[len(lag_s) // 2] if lag_s else 0.0,
        }
        result["ratio_collector_to_nginx"] = res["rps"] / result["nginx"]["rps"]
        mem = {"collector supervisor": peak_rss_mb(collector.proc.pid)}  # type: ignore[union-attr]
        for i, pid in enumerate(descendants(collector.proc.pid)):  # type: ignore[union-attr]
            mem[f"collector worker/server {i}"] = peak_rss_mb(pid)
        mem["ingester"] = peak_rss_mb(ingester.proc.pid)  # type: ignore[union-attr]
        mem["kafka broker (JVM)"] = peak_rss_mb(broker.proc.pid)  # type: ignore[union-attr]
        mem["clickhouse server"] = peak_rss_mb(ch.proc.pid)  # type: ignore[union-attr]
        result["peak_rss_mb"] = mem
    finally:
        stack.close()
        broker.close()
        ch.close()
        nginx.terminate()
        nginx.wait(10)
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
