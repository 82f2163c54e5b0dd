"""What the tag's browser tests share: the page helpers, how to read what landed in the warehouse,
and the consent banners driven as a visitor drives them. The fixtures (the real service, the page
server, Chromium) are in tests/collector/conftest.py."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from artaud.collector.http import GIF
from artaud.collector.snippet import STUB
from artaud.consent.proof import tcf_summary
from artaud.consent.tcf import decode
from artaud.consent.tcf_policy import TcfPolicy
from artaud_devkit.testing.app_process import ArtaudProcess, free_port

CINEMA = "9990001"  # demo cinema "Le Méliès": melies.example, billetterie-melies.example
HOST, TICKETING = "melies.example", "billetterie-melies.example"
SCARE_VENDOR, PARTNER_VENDOR = 1234, 755
SERVICE_TCF = TcfPolicy(scare_vendor_id=SCARE_VENDOR, partner_vendor_ids={"demo-agency": PARTNER_VENDOR})


def proved(tc: str) -> str:
    """What the service's consent record keeps of a TC string (consent/proof.py), never the string."""
    return tcf_summary(decode(tc), SERVICE_TCF)


# where the example pages of the docs host the banners' own scripts, and where they are here
BANNER_PATHS = {"/tarteaucitron/": "tarteaucitronjs/", "/klaro/": "klaro/dist/"}


class Page:
    """One browser context (its own storage) on one page, recording uncaught page errors and the hits
    the page sends to the collector (beacon bodies, pixel queries)."""

    def __init__(self, browser: Any, **context: Any) -> None:
        self.ctx = browser.new_context(**context)
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.hits: list[dict[str, Any]] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._request)

    def _request(self, request: Any) -> None:
        if request.url.split("?")[0].endswith("/c/e") and request.method == "POST":
            self.hits.append(json.loads(request.post_data or "{}"))

    def stored_id(self) -> Any:
        return self.page.evaluate(
            "() => { try { return localStorage.getItem('artaud_id') } catch (e) { return 'blocked' } }"
        )

    def wait_hits(self, n: int, timeout: float = 10) -> None:
        """Until the page has sent `n` beacons in all (the tag holds a page load's hits until the consent
        tool answered: this is when they left)."""
        deadline = time.monotonic() + timeout
        while len(self.hits) < n:
            assert time.monotonic() < deadline, f"{len(self.hits)} beacons sent, expected {n}"
            self.page.wait_for_timeout(50)

    def close(self) -> None:
        self.ctx.close()


def html(svc: ArtaudProcess, site_key: str, head: str = "", body: str = "", tag_attrs: str = "") -> str:
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Cinéma</title>
<script>{STUB}</script>{head}
<script defer src="{svc.url}/c/t.js" data-site="{site_key}"{tag_attrs}></script></head>
<body><h1>Le Méliès</h1><button id="b" onclick="this.textContent='ok'">réserver</button>{body}
<script>document.body.dataset.ready = "1"</script></body></html>"""


def landed(
    svc: ArtaudProcess,
    prefix: str,
    expected: int,
    settle: float = 2.5,
    timeout: float = 30,
    cinema: str = CINEMA,
) -> list[dict[str, Any]]:
    """The events under a path prefix once `expected` have landed and nothing more arrived for
    `settle` seconds (so that an unexpected extra hit would be seen), oldest first."""
    deadline = time.monotonic() + timeout
    rows: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        rows = svc.get_json(f"/api/v1/events/recent?cinema={cinema}&path_prefix={prefix}&limit=1000")
        if len(rows) >= expected:
            time.sleep(settle)
            rows = svc.get_json(f"/api/v1/events/recent?cinema={cinema}&path_prefix={prefix}&limit=1000")
            break
        time.sleep(0.3)
    return sorted(rows, key=lambda r: (r["received_at"], r["url_path"], r["event_name"]))


def prefix(name: str) -> str:
    return f"/{name}-{uuid.uuid4().hex[:8]}/"


def consent_of(svc: ArtaudProcess, event_id: str) -> dict[str, Any]:
    [proof] = svc.get_json(f"/api/v1/consent?event_id={event_id}")
    assert proof["record"] is not None, "a pooled event without its consent record"
    return dict(proof["record"])


def wait_tag(p: Page) -> None:
    p.page.wait_for_function("() => window.artaud && window.artaud.l === 1", timeout=10000)


def navigate(p: Page, path: str) -> None:
    """A single-page navigation, as a router does it."""
    p.page.evaluate("(path) => history.pushState({}, '', path)", path)
    p.page.wait_for_timeout(150)


def withdrawals(svc: ArtaudProcess) -> float:
    for line in svc.metrics().splitlines():
        if line.startswith(f'artaud_withdrawals_total{{cinema="{CINEMA}"}}'):
            return float(line.split()[-1])
    return 0.0


def wait_until(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def tac_click(p: Page, selector: str, state: bool) -> None:
    """Click a tarteaucitron button; it binds its buttons a moment after showing them, so click again
    (as a person would) until the banner has taken the choice."""
    for _ in range(50):
        p.page.click(selector)
        if p.page.evaluate("() => tarteaucitron.state.artaud") == state:
            return
        p.page.wait_for_timeout(100)
    raise AssertionError(f"tarteaucitron ignored {selector}")


class PartnerSyncServer:
    """A partner's sync endpoint on loopback (as http://sync.demo-agency.example:PORT): records each
    call's query and headers, answers a 1x1 GIF."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.port = free_port()
        calls = self.calls

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                calls.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.send_header("Content-Length", str(len(GIF)))
                self.end_headers()
                self.wfile.write(GIF)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
