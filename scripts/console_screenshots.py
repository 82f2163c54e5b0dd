"""Screenshots of every page of the console for docs/console.md: `artaud run` on the demo cinemas,
hits from the simulator, a segment build and a campaign (devkit/testing/console_people.py), then
each page (found in the application, tests/admin/pages.py: a new page is taken without changing
this script) as the first role allowed to see it, 1280 pixels wide, the whole page, saved as
docs/console/<page>.png (reduced to 256 colours when Pillow is at hand).

    .venv/bin/python scripts/console_screenshots.py [--out docs/console]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from artaud_devkit.testing.app_process import ArtaudProcess  # noqa: E402
from artaud_devkit.testing.browser import chromium  # noqa: E402
from artaud_devkit.testing.console_people import CAMPAIGN, populate, sign_in_everyone  # noqa: E402
from tests.admin.pages import Page, console_app, pages, samples  # noqa: E402

# who shows a page: the first of these allowed to see it (the admin sees the most)
ORDER = ("admin", "finance", "operator", "auditor", "cinema")
WIDTH = 1280
TALLEST = 3000  # pixels: a long listing (a cinema's last hundred events) is cut there


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def shrink(path: Path) -> None:
    """256 colours, the smallest PNG encoding: a screenshot of text and flat colours loses nothing
    a reader sees."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def shoot(context: Any, url: str, path: Path) -> bool:
    """The page at `url` as a full-page PNG (TALLEST at most); False for a download (a statement, a
    file) or a page the demo data cannot fill (a statement of a campaign not distributed: 404)."""
    answer = context.request.get(url)
    ctype, disposition = answer.headers.get("content-type", ""), answer.headers.get("content-disposition", "")
    if answer.status != 200 or "text/html" not in ctype or "attachment" in disposition:
        return False
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if page.locator("figure.chart").count():
        page.wait_for_selector("figure.chart.drawn canvas", timeout=10_000)
    height = min(TALLEST, int(page.evaluate("document.documentElement.scrollHeight")))
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
    page.close()
    shrink(path)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "console")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    walk: list[Page] = pages(console_app(), samples(CAMPAIGN))
    say(f"{len(walk)} pages to take, and the sign-in page")
    with tempfile.TemporaryDirectory(prefix="artaud-screens-") as tmp:
        say("starting artaud run on the demo cinemas")
        svc = ArtaudProcess(Path(tmp) / "data").start()
        try:
            populate(svc, say)
            with chromium() as browser:
                say("signing in as each role")
                contexts = sign_in_everyone(svc, browser)
                anonymous = browser.new_context(viewport={"width": WIDTH, "height": 800})
                shots = [("login", anonymous, "/login", "anonyme")]
                for p in walk:
                    role = next((r for r in ORDER if r in p.roles), None)
                    if role is not None:
                        shots.append((p.slug, contexts[role], p.path, role))
                for slug, context, path, who in shots:
                    target = args.out / f"{slug}.png"
                    if shoot(context, svc.admin_url + path, target):
                        say(
                            f"{path} as {who} → {target.relative_to(ROOT)} ({target.stat().st_size // 1024} Kio)"
                        )
                    else:
                        say(f"{path}: a download or not found here, not a page (skipped)")
        finally:
            svc.stop()
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
