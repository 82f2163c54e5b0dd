"""The segment benchmark itself, on a few thousand events in chdb: it runs every step it reports."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from artaud.warehouse.backend import ChdbWarehouse

_spec = importlib.util.spec_from_file_location(
    "segments_bench", Path(__file__).resolve().parents[1] / "bench" / "segments_bench.py"
)
assert _spec is not None and _spec.loader is not None
_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)


def test_repeated_builds_report_the_median_and_each_build_starts_clean(tmp_path):
    wh = ChdbWarehouse(tmp_path / "chdb", "bench")
    try:
        out = _bench.bench_engine("chdb", wh, 20_000, 100, tmp_path, builds=3)
        builds = wh.query("SELECT DISTINCT build_id FROM bench.segment_members")
    finally:
        wh.close()
    runs = out["build_seconds_runs"]
    assert len(runs) == 3 and out["build_seconds"] == sorted(runs)[1]
    assert len(builds) == 1  # the earlier builds' snapshots were dropped before the next
    assert out["pooled_events"] > 0 and out["published"] >= 1 and out["segments"] >= out["published"]
    assert out["streamed_members"] == min(100, out["export_members"]) and out["stream_bytes"] > 0
