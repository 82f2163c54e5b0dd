"""The console's, partners' and counters' servers log neither client addresses nor request data."""

from __future__ import annotations

import logging
import socket

from artaud.httpd import serve
from artaud_devkit.testing.app_process import free_port


def test_a_refused_request_is_logged_without_address_or_path(caplog):
    port = free_port()

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = serve("127.0.0.1", port, app, "test")
    try:
        with caplog.at_level(logging.DEBUG):
            for raw in (
                b"GET /someone@example.org HTTP/1.1\r\nHost: x\r\n\r\n",  # served
                b"GARBAGE /someone@example.org?q=canary\r\n\r\n",  # refused: bad request line
                b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",  # refused: too long
            ):
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(raw)
                    s.recv(1000)
    finally:
        server.shutdown()
    assert "127.0.0.1" not in caplog.text and "someone" not in caplog.text and "canary" not in caplog.text
    assert "refused a malformed request" in caplog.text
