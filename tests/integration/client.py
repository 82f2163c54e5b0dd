"""A tiny HTTP client for the integration tests: real sockets, keep-alive, known event ids."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit


class HitClient:
    def __init__(self, base_url: str) -> None:
        u = urlsplit(base_url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)

    def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def beacon(
        self,
        site_key: str,
        host: str,
        events: list[dict[str, object]],
        *,
        visitor: str = "",
        consent: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        doc: dict[str, object] = {"k": site_key, "e": events}
        if visitor:
            doc["v"] = visitor
        if consent is not None:
            doc["c"] = consent
        h = {
            "Origin": f"https://{host}",
            "Content-Type": "text/plain;charset=UTF-8",
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
            **(headers or {}),
        }
        return self._request("POST", "/c/e", json.dumps(doc).encode(), h)

    def pixel(self, params: dict[str, str], headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        return self._request("GET", "/c/p.gif?" + urlencode(params), None, headers or {})

    def close(self) -> None:
        self.conn.close()


def cli(data_dir: Path, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "artaud.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout


def call(url: str, token: str = "", body: dict[str, Any] | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        method="POST" if body is not None else "GET",
    )
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read().decode()
            return r.status, [json.loads(line) for line in text.splitlines()] if "ndjson" in r.headers[
                "Content-Type"
            ] else json.loads(text)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode())
