"""The main job as users run it (`artaud run`: granian workers, spool, writer, chdb), over real HTTP."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from pathlib import Path

import pytest

from artaud.warehouse.backend import ChdbWarehouse
from artaud_devkit.simulator.run import SimConfig, simulate
from artaud_devkit.testing.app_process import ArtaudProcess
from tests.integration.client import HitClient

pytestmark = pytest.mark.slow


def stored_ids(data_dir: Path) -> list[str]:
    wh = ChdbWarehouse(data_dir / "chdb", "artaud")
    try:
        return [str(r[0]) for r in wh.query("SELECT event_id FROM artaud.events")]
    finally:
        wh.close()


def test_hits_over_http_reach_embedded_clickhouse_and_the_simulator_agrees(tmp_path):
    svc = ArtaudProcess(tmp_path / "data").start()
    try:
        site = svc.sites()[0]
        host = site["domains"][0]
        client = HitClient(svc.url)
        ids = [str(uuid.uuid4()) for _ in range(20)]
        for i in range(0, 20, 4):
            status, _ = client.beacon(
                site["site_key"],
                host,
                [{"n": "page_view", "u": f"https://{host}/p{j}", "i": ids[j]} for j in range(i, i + 4)],
            )
            assert status == 204
        status, _ = client.beacon(
            site["site_key"],
            host,
            [{"n": "page_view", "u": f"https://{host}/", "i": "pooled-0001"}],
            visitor="visitor-proof-01",
            consent="measure,pool",
        )
        assert status == 204
        status, body = client.pixel(
            {"k": site["site_key"], "u": f"https://{host}/noscript", "i": "pixel-000001"}
        )
        assert status == 200 and body.startswith(b"GIF89a")
        assert client.beacon("sk_unknownsite000", host, [{"n": "page_view"}])[0] == 403
        client.close()
        out = io.StringIO()
        code = simulate(
            SimConfig(
                svc.url,
                svc.admin_url,
                admin_token=svc.admin_token,
                rate=150,
                duration=4,
                concurrency=4,
                seed=7,
            ),
            out=out,
        )
        assert code == 0, out.getvalue()
        assert "all accepted events stored exactly once" in out.getvalue()
        deadline = time.monotonic() + 20
        proof: list[dict[str, object]] = []
        while time.monotonic() < deadline and not proof:
            proof = svc.get_json("/api/v1/consent?event_id=pooled-0001")
            time.sleep(0.2)
        assert proof and proof[0]["track"] == "pooled"
        assert proof[0]["record"]["source"] == "tag" and proof[0]["record"]["signal"] == "measure,pool"  # type: ignore[index]
        metrics = svc.metrics()
        assert 'artaud_hits_dropped_total{cinema="unknown",reason="unknown_site"}' in metrics
    finally:
        assert svc.stop() == 0
    got = stored_ids(svc.data_dir)
    assert {*ids, "pixel-000001"} <= set(got)
    assert len(got) == len(set(got))


def test_kill_9_under_load_then_restart_stores_every_acknowledged_hit_exactly_once(tmp_path):
    svc = ArtaudProcess(tmp_path / "data").start()
    site = svc.sites()[0]
    host = site["domains"][0]
    acked: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def load(n: int) -> None:
        client = HitClient(svc.url)
        for k in range(4000):
            if stop.is_set():
                break
            eid = f"crash-{n}-{k:06d}"
            try:
                status, _ = client.beacon(
                    site["site_key"], host, [{"n": "page_view", "u": f"https://{host}/", "i": eid}]
                )
            except OSError:
                break
            if status == 204:
                with lock:
                    acked.add(eid)
        client.close()

    threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    while len(acked) < 1500 and any(t.is_alive() for t in threads):
        threading.Event().wait(0.05)
    svc.kill9()  # supervisor, granian server and workers, mid-load
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acked) >= 1500
    svc.start()  # same data dir: the spool and the pending checkpoint are recovered
    assert svc.stop() == 0
    got = stored_ids(svc.data_dir)
    crash_ids = [g for g in got if g.startswith("crash-")]
    assert len(crash_ids) == len(set(crash_ids)), "an event was stored twice"
    missing = acked - set(crash_ids)
    assert not missing, f"{len(missing)} acknowledged hits lost"
    print(json.dumps({"acknowledged": len(acked), "stored": len(crash_ids)}))
