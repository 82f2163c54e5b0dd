"""The robot check on the hit path: the cost of classifying a user agent the cache has not seen, and
how much of a public crawler list is flagged, for the first answer and the full parse.

Usage: python bench/agents_bench.py [--json bench/results/agents-latest.json]
Baseline measured in the same run: Python's `re` over the same patterns (what "compile once" would
cost without RE2), and the hand-written pattern list this replaced.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from artaud.collector.agents import _BOT, full_parse, heuristic  # noqa: E402

# the hand-written list the collector used before (kept here as the baseline only)
OLD = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|headless|phantomjs|curl/|wget|python-|python/|java/|go-http|okhttp|libwww"
    r"|httpclient|axios|node-fetch|scrapy|facebookexternalhit|preview|monitor|lighthouse|pingdom|apache-http"
    r"|feedfetcher|mediapartners|petalbot|yandex|bingpreview|semrush|ahrefs",
    re.IGNORECASE,
)


def per_call_us(fn, items: list[str], rounds: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for ua in items:
            fn(ua)
        times.append((time.perf_counter() - t) / len(items) * 1e6)
    return statistics.median(times)


def main() -> int:
    from crawleruseragents import CRAWLER_USER_AGENTS_DATA

    ap = argparse.ArgumentParser()
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    crawlers = [ua for e in CRAWLER_USER_AGENTS_DATA for ua in e.get("instances", [])]
    browsers = (ROOT / "tests" / "collector" / "browsers.txt").read_text().splitlines()
    python_re = re.compile("|".join(f"(?:{e['pattern']})" for e in CRAWLER_USER_AGENTS_DATA))
    out = {
        "crawler_instances": len(crawlers),
        "browsers": len(browsers),
        "flagged_first_answer": sum(heuristic(u).is_bot for u in crawlers) / len(crawlers),
        "flagged_full_parse": sum(full_parse(u).is_bot for u in crawlers) / len(crawlers),
        "flagged_old_patterns": sum(bool(OLD.search(u)) for u in crawlers) / len(crawlers),
        "browsers_flagged": sum(heuristic(u).is_bot or full_parse(u).is_bot for u in browsers),
        "us_re2_browser": per_call_us(_BOT.search, browsers),
        "us_re2_crawler": per_call_us(_BOT.search, crawlers),
        "us_python_re_browser": per_call_us(python_re.search, browsers, rounds=1),
        "us_old_patterns_browser": per_call_us(OLD.search, browsers),
        "us_first_answer_browser": per_call_us(heuristic, browsers),
    }
    for k, v in out.items():
        print(f"{k:28} {v:.3f}" if isinstance(v, float) else f"{k:28} {v}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
