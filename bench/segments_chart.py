"""Draw the segment benchmark's build as stacked bars per engine, one colour per step, with the 60 s
target (SVG, no dependency).

Usage: python bench/segments_chart.py bench/results/segments-latest.json bench/results/segments-latest.svg
"""

from __future__ import annotations

import json
import sys
from html import escape
from pathlib import Path
from typing import Any

TARGET_S = 60.0
ENGINES = {"chdb": "chdb (ClickHouse 26)", "server": "server (ClickHouse 18.16)"}
COLOURS = ["#3b6ea5", "#e07b39", "#5a9e4b", "#b8474b", "#8a6bb1", "#888888", "#c2a23a"]


def label(step: str) -> str:
    """A step as the legend shows it: the shared pass names its definitions, counted here."""
    if step.startswith("segments ") and "," in step:
        return f"shared pass ({step.count(',') + 1} definitions)"
    return step


def svg(results: list[dict[str, Any]]) -> str:
    width, left, bar_h, gap, top = 960, 210, 34, 26, 60
    steps: list[str] = []
    for r in results:
        steps += [s for s in r["build_steps_seconds"] if s not in steps]
    longest = max([TARGET_S, *(r["build_seconds"] for r in results)])
    scale = (width - left - 90) / longest
    legend_y = top + len(results) * (bar_h + gap) + 10
    height = legend_y + 22 * ((len(steps) + 1) // 2) + 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="13"><rect width="100%" height="100%" fill="white"/>',
        f'<text x="10" y="25" font-size="15" font-weight="bold">Building every default segment over '
        f"{results[0]['events']:,} events (2 cores)</text>",
    ]
    for i, r in enumerate(results):
        y = top + i * (bar_h + gap)
        x = float(left)
        out.append(
            f'<text x="{left - 8}" y="{y + 22}" text-anchor="end">{escape(ENGINES.get(r["engine"], r["engine"]))}</text>'
        )
        for step, secs in r["build_steps_seconds"].items():
            w = secs * scale
            colour = COLOURS[steps.index(step) % len(COLOURS)]
            out.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                f"<title>{escape(label(step))}: {secs:.1f} s</title></rect>"
            )
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + 22}">{r["build_seconds"]:.1f} s</text>')
    tx = left + TARGET_S * scale
    out.append(
        f'<line x1="{tx:.1f}" y1="{top - 12}" x2="{tx:.1f}" y2="{legend_y - 14}" stroke="#222" '
        'stroke-dasharray="5,4"/>'
    )
    out.append(f'<text x="{tx + 4:.1f}" y="{top - 16}" fill="#222">target {TARGET_S:.0f} s</text>')
    for j, step in enumerate(steps):
        lx = 10 + (j % 2) * (width // 2)
        ly = legend_y + 22 * (j // 2)
        out.append(f'<rect x="{lx}" y="{ly}" width="14" height="14" fill="{COLOURS[j % len(COLOURS)]}"/>')
        out.append(f'<text x="{lx + 20}" y="{ly + 12}">{escape(label(step))}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main() -> int:
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    dst.write_text(svg(json.loads(src.read_text())) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
