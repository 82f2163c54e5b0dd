"""The hit path side by side: this tree's `bench/hitpath_bench.py` and a baseline tree's own, run in
alternation (a shared machine's load changes from one minute to the next), each giving the wall time
and the process's CPU time of its timed loop, per hit.

Usage: python bench/hitpath_compare.py BASELINE_TREE [--rounds 8] [--hits 30000] [--wsgi] [--json out]
       python bench/hitpath_compare.py BASELINE_TREE --instructions [--wsgi]

`--instructions` counts instead the machine instructions per hit under valgrind (callgrind), which a
busy machine does not change: each tree's bench at 1,000 and at 10,000 hits, both at once, and the
difference ÷ 9,000 (what the start-up costs cancels out; the per-hit part also holds the bench building
its request, the same in both trees). About ten minutes.

Each tree runs under its own interpreter, `<tree>/.venv/bin/python` (the source folders ship as the
`artaud` package, installed per tree by `scripts/setup-python.sh`): e.g.
`git clone -q . /tmp/base && git -C /tmp/base checkout 2f429f2 && (cd /tmp/base && bash scripts/setup-python.sh)`.
CPU time counts every thread of the process (the spool's, the robot check's background parse): on a
busy machine it moves less than the wall time, which also counts the time the process waited for a core.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# runs a tree's bench with its `time.perf_counter` (the bench's two readings around the loop) also
# reading the process's CPU time, and prints both per hit as the last line
WRAPPER = """
import json, runpy, sys, time
wall = time.perf_counter
readings = []
def reading():
    readings.append((wall(), time.process_time()))
    return readings[-1][0]
time.perf_counter = reading
sys.argv = sys.argv[1:]  # the bench's own command line
hits = int(sys.argv[sys.argv.index("--hits") + 1])
try:
    runpy.run_path("bench/hitpath_bench.py", run_name="__main__")
except SystemExit as exc:
    if exc.code:
        raise
(w0, c0), (w1, c1) = readings[:2]
print(json.dumps({"wall_us": (w1 - w0) / hits * 1e6, "cpu_us": (c1 - c0) / hits * 1e6}))
"""


def run(tree: Path, hits: int, wsgi: bool) -> dict[str, float]:
    python = tree / ".venv" / "bin" / "python"
    argv = [
        str(python),
        "-c",
        WRAPPER,
        "bench/hitpath_bench.py",
        "--hits",
        str(hits),
        *(["--wsgi"] if wsgi else []),
    ]
    out = subprocess.run(argv, cwd=tree, capture_output=True, text=True, check=True, timeout=900)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def instructions(tree: Path, hits: int, wsgi: bool) -> subprocess.Popen[str]:
    argv = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        str(tree / ".venv" / "bin" / "python"),
        "bench/hitpath_bench.py",
        "--hits",
        str(hits),
        *(["--wsgi"] if wsgi else []),
    ]
    return subprocess.Popen(argv, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def collected(proc: subprocess.Popen[str]) -> int:
    _, err = proc.communicate(timeout=3600)
    found = re.search(r"Collected : (\d+)", err)
    if proc.returncode or found is None:
        raise RuntimeError(err[-2000:])
    return int(found.group(1))


def per_hit_instructions(trees: dict[str, Path], wsgi: bool, small: int = 1_000, large: int = 10_000) -> int:
    for name, tree in trees.items():
        # the two sizes of one tree run at once: instruction counts do not depend on the load
        runs = [instructions(tree, n, wsgi) for n in (small, large)]
        few, many = (collected(p) for p in runs)
        print(f"{name:8} {(many - few) / (large - small):,.0f} instructions per hit", flush=True)
    return 0


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} µs (range {min(values):.1f} – {max(values):.1f})"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("baseline_tree", type=Path)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--hits", type=int, default=30_000)
    ap.add_argument("--wsgi", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--instructions", action="store_true", help="instructions per hit (valgrind)")
    args = ap.parse_args()
    trees = {"this": ROOT, "baseline": args.baseline_tree.resolve()}
    if args.instructions:
        return per_hit_instructions(trees, args.wsgi)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for i in range(args.rounds):
        # alternate which goes first, so that neither always follows the other's load
        order = list(trees) if i % 2 == 0 else list(reversed(trees))
        for name in order:
            runs[name].append(run(trees[name], args.hits, args.wsgi))
            print(
                f"round {i + 1}: {name:8} {runs[name][-1]['wall_us']:.1f} µs wall, "
                f"{runs[name][-1]['cpu_us']:.1f} µs CPU",
                flush=True,
            )
    for name in trees:
        print(
            f"{name:8} wall {summary([r['wall_us'] for r in runs[name]])}; "
            f"CPU {summary([r['cpu_us'] for r in runs[name]])}"
        )
    for kind in ("wall_us", "cpu_us"):  # each round's pair saw the same minute of the machine
        ratios = [t[kind] / b[kind] for t, b in zip(runs["this"], runs["baseline"], strict=True)]
        print(
            f"this ÷ baseline, {kind[:-3]}: median {statistics.median(ratios):.3f} "
            f"(range {min(ratios):.3f} – {max(ratios):.3f})"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "hits": args.hits,
                    "wsgi": args.wsgi,
                    "trees": {k: str(v) for k, v in trees.items()},
                    "runs": runs,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
