"""Draw the HTTP benchmark's medians as a horizontal bar chart (SVG, log scale, no dependency).

Usage: python bench/chart.py bench/results/http-latest.json bench/results/http-latest.svg
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path


def bars(summary: dict[str, dict[str, dict[str, float]]]) -> list[tuple[str, float, str]]:
    base = summary["nginx_empty_gif"]["rps"]["median"]
    out = [("nginx empty_gif (baseline)", base, "1.000")]
    for name, label in (("collector_pixel", "collector GIF pixel"), ("collector_beacon", "collector beacon")):
        s = summary[name]
        out.append((f"{label}: HTTP", s["rps"]["median"], f"{s['ratio_to_nginx']['median']:.3f}"))
        e2e = s["e2e_hits_per_s"]["median"]
        out.append((f"{label}: end to end into chdb", e2e, f"{e2e / base:.3f}"))
    return out


def svg(rows: list[tuple[str, float, str]], title: str) -> str:
    width, left, bar_h, gap, top = 900, 300, 26, 12, 50
    height = top + len(rows) * (bar_h + gap) + 40
    top_val = max(v for _, v, _ in rows)
    lo = 1000.0
    scale = (width - left - 170) / math.log10(top_val / lo)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        f'font-size="13"><rect width="100%" height="100%" fill="white"/>',
        f'<text x="10" y="25" font-size="15" font-weight="bold">{title}</text>',
    ]
    for i, (label, value, ratio) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(2.0, math.log10(max(value, lo) / lo) * scale)
        colour = "#888" if i == 0 else "#3b6ea5"
        parts.append(f'<text x="{left - 8}" y="{y + 18}" text-anchor="end">{label}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 18}">{value:,.0f}/s (×{ratio})</text>')
    parts.append(
        f'<text x="{left}" y="{height - 12}" fill="#555">log scale from 1,000/s; ratio to nginx '
        "empty_gif measured in the same run</text></svg>"
    )
    return "\n".join(parts)


def main() -> int:
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    data = json.loads(src.read_text())
    dst.write_text(
        svg(bars(data["summary"]), "Collector throughput, median of runs (2 cores, wrk on the same cores)")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
