"""The tag's weight on the wire, beside peers' scripts measured in the same run.

Usage: python bench/tag_size.py [--json bench/results/tag-latest.json]
Measures the tag as the collector serves it (minified build + consent settings) raw, gzip -9 and
deflate, against the 2 KB gzipped budget, the modules it loads on demand on the pages that need them
(outside the budget), and the peers' scripts from npm (bench/js: `npm ci` there first) the same way.
Ratios are ours ÷ peer (lower is lighter).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from artaud.collector.tag import module_scripts, tag_script  # noqa: E402
from artaud.consent.decision import Policy  # noqa: E402

BUDGET = 2048
PEERS = {
    "Plausible (@plausible-analytics/tracker 0.4.6, plausible.js)": "@plausible-analytics/tracker/plausible.js",
    "PostHog (posthog-js 1.449.2, dist/array.js: the snippet's bundle)": "posthog-js/dist/array.js",
}


def sizes(data: bytes) -> dict[str, int]:
    return {
        "raw": len(data),
        "gzip": len(gzip.compress(data, compresslevel=9, mtime=0)),
        "deflate": len(zlib.compress(data, 9)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    ours = sizes(tag_script(Policy()))
    rows = {"artaud tag (served)": ours}
    modules = ROOT / "bench" / "js" / "node_modules"
    for name, rel in PEERS.items():
        path = modules / rel
        if path.exists():
            rows[name] = sizes(path.read_bytes())
        else:
            print(f"  (missing {rel}: run `npm ci` in bench/js)", file=sys.stderr)
    print(f"{'script':70} {'raw':>9} {'gzip -9':>9} {'ours/peer gz':>13}")
    for name, s in rows.items():
        ratio = ours["gzip"] / s["gzip"]
        print(f"{name:70} {s['raw']:>9,} {s['gzip']:>9,} {ratio:>13.3f}")
    print(f"budget: {ours['gzip']:,} of {BUDGET:,} bytes gzipped ({BUDGET - ours['gzip']:,} to spare)")
    modules = {f"/c/m/{name}.js": sizes(script) for name, script in module_scripts(Policy()).items()}
    print("loaded on demand, by the pages that need them:")
    for name, s in modules.items():
        print(f"  {name:68} {s['raw']:>9,} {s['gzip']:>9,}")
    if args.json:
        doc = {"budget_gzip": BUDGET, "scripts": rows, "modules": modules}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if ours["gzip"] <= BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
