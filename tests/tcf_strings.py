"""TC strings built by the IAB's own encoder (@iabtechlabtcf/core, tests/js/tcf_build.mjs)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

JS = Path(__file__).resolve().parent / "js"


def tc_strings(specs: list[dict[str, Any]]) -> list[str]:
    """One TC string per spec: {purposes, vendors, restrictions: [{purpose, type, vendors}], lastUpdated}."""
    out = subprocess.run(
        ["node", "tcf_build.mjs", json.dumps(specs)], cwd=JS, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:] + "\n(run: cd tests/js && npm ci)"
    strings = out.stdout.split()
    assert len(strings) == len(specs)
    return strings
