"""Headless Chromium (Debian's) and a page server for the tag's browser tests.

Pages are served on loopback under the cinemas' own host names: Chromium maps every `*.example`
host to 127.0.0.1, so a page at http://melies.example:PORT/ has the origin a real cinema page
would have, and the collector's domain checks apply unchanged. The page server also serves the
npm packages the pages use (tarteaucitron.js, Klaro, the IAB's CMP API) from tests/js/node_modules.
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from artaud_devkit.testing.app_process import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP *.example 127.0.0.1",
]


DELAY = "<!--artaud:delay-->"  # in a page's HTML: the server pauses there (a body that arrives late)


class PageServer:
    """Serves registered pages by path, files under `/node_modules/` from `modules`, and the banners'
    own scripts where a site hosts them (`aliases`: URL prefix -> folder under `modules`, e.g.
    `/tarteaucitron/` -> `tarteaucitronjs/`). A page whose HTML holds DELAY is sent in two parts,
    `delay` seconds apart."""

    def __init__(self, modules: Path, aliases: dict[str, str] | None = None, delay: float = 1.0) -> None:
        self.modules = modules.resolve()
        self.aliases = {"/node_modules/": "", **(aliases or {})}
        self.delay = delay
        self.pages: dict[str, tuple[str, bytes, dict[str, str]]] = {}
        self.port = free_port()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                prefix = next((a for a in server.aliases if path.startswith(a)), None)
                if path in server.pages:
                    ctype, body, headers = server.pages[path]
                    self._send(200, ctype, body, headers)
                elif prefix is not None:
                    file = (server.modules / server.aliases[prefix] / path[len(prefix) :]).resolve()
                    if file.is_relative_to(server.modules) and file.is_file():
                        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                        if file.suffix in (".js", ".mjs"):
                            ctype = "text/javascript"
                        self._send(200, ctype, file.read_bytes(), {})
                    else:
                        self._send(404, "text/plain", b"not found", {})
                else:
                    self._send(404, "text/plain", b"not found", {})

            def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str]) -> None:
                first, late = body, b""
                if DELAY.encode() in body:  # HTTP/1.0: without a length, the body ends with the connection
                    first, _, late = body.partition(DELAY.encode())
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if not late:
                    self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(first)
                if late:
                    self.wfile.flush()
                    time.sleep(server.delay)
                    self.wfile.write(late)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> PageServer:
        self.thread.start()
        return self

    def add(self, path: str, html: str, headers: dict[str, str] | None = None) -> None:
        self.pages[path] = ("text/html; charset=utf-8", html.encode(), headers or {})

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def chromium() -> Iterator[Any]:
    """A Playwright `Browser` on Debian's Chromium (Playwright cannot download browsers here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
