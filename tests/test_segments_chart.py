"""The segment benchmark's chart: one bar segment per build step, widths proportional to seconds."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "segments_chart", Path(__file__).resolve().parents[1] / "bench" / "segments_chart.py"
)
assert _spec is not None and _spec.loader is not None
_chart = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_chart)
svg = _chart.svg


def test_stacked_steps_target_line_and_legend():
    results = [
        {
            "engine": "chdb",
            "events": 1000,
            "build_seconds": 30.0,
            "build_steps_seconds": {"a": 10.0, "b": 20.0},
        },
        {
            "engine": "server",
            "events": 1000,
            "build_seconds": 90.0,
            "build_steps_seconds": {"a": 30.0, "c": 60.0},
        },
    ]
    out = svg(results)
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="34"', out)]
    assert len(widths) == 4
    assert abs(widths[1] / widths[0] - 2) < 0.01 and abs(widths[3] / widths[2] - 2) < 0.01
    assert abs(widths[2] / widths[0] - 3) < 0.01
    assert "target 60 s" in out and "chdb (ClickHouse 26)" in out and "90.0 s" in out
    assert [t for t in ("a", "b", "c") if f">{t}</text>" in out] == ["a", "b", "c"]  # legend: every step once
