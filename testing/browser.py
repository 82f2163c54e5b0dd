"""Headless Chromium (Debian's) and a page server for the tag's browser tests.

Pages are served on loopback under the cinemas' own host names: Chromium maps every `*.example`
host to 127.0.0.1, so a page at http://melies.example:PORT/ has the origin a real cinema page
would have, and the collector's domain checks apply unchanged. The page server also serves the
npm packages the pages use (tarteaucitron.js, Klaro, the IAB's CMP API) from tests/js/node_modules.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from testing.app_process import free_port

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


class PageServer:
    """Serves registered pages by path, and files under `/node_modules/` from `modules`."""

    def __init__(self, modules: Path) -> None:
        self.modules = modules.resolve()
        self.pages: dict[str, tuple[str, bytes, dict[str, str]]] = {}
        self.port = free_port()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path in server.pages:
                    ctype, body, headers = server.pages[path]
                    self._send(200, ctype, body, headers)
                elif path.startswith("/node_modules/"):
                    file = (server.modules / path[len("/node_modules/") :]).resolve()
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
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

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
