"""The console serves its CSS framework and chart library itself (no CDN): the files under
admin/static/vendor are exactly the npm releases tests/js/package.json pins (installed by the test
command), with their licences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "tests" / "js" / "node_modules"
VENDOR = ROOT / "admin" / "static" / "vendor"
FILES = {
    "uPlot.iife.min.js": "uplot/dist/uPlot.iife.min.js",
    "uPlot.min.css": "uplot/dist/uPlot.min.css",
    "uPlot.LICENSE": "uplot/LICENSE",
    "pico.min.css": "@picocss/pico/css/pico.red.min.css",
    "pico.LICENSE": "@picocss/pico/LICENSE.md",
}


@pytest.mark.parametrize(("served", "release"), sorted(FILES.items()))
def test_each_vendored_file_is_the_pinned_release(served: str, release: str) -> None:
    source = MODULES / release
    assert source.exists(), "run the test command (it installs tests/js with npm ci)"
    assert (VENDOR / served).read_bytes() == source.read_bytes()


def test_the_pins_are_exact() -> None:
    pins = json.loads((ROOT / "tests" / "js" / "package.json").read_text())["dependencies"]
    assert pins["uplot"] == "1.6.32" and pins["@picocss/pico"] == "2.1.1"
    assert sorted(p.name for p in VENDOR.iterdir()) == sorted(FILES)
