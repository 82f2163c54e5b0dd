"""The console's, partners' and counters' servers (waitress, in-process): slow clients hold sockets, not
threads; bodies are capped; nothing logged names a client's address or what it wrote; `shutdown()`
closes everything and frees the port."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask, request

from artaud.httpd import Server, serve
from artaud_devkit.testing.app_process import free_port


def tiny_app() -> Flask:
    app = Flask("tiny")

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.post("/echo")
    def echo() -> str:
        return str(len(request.get_data()))

    @app.get("/env")
    def env() -> dict[str, str | None]:
        return {"forwarded": request.headers.get("X-Forwarded-For"), "remote": request.remote_addr}

    return app


@pytest.fixture
def served() -> Iterator[Server]:
    server = serve("127.0.0.1", 0, tiny_app(), "test-httpd")
    try:
        yield server
    finally:
        server.shutdown()


def get(server: Server, path: str = "/", timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def exchange(port: int, raw: bytes) -> bytes:
    """`raw` sent on a new connection; what came back until the server closed it."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(raw)
        return read_to_close(s)


def read_to_close(s: socket.socket) -> bytes:
    answer = b""
    try:
        while chunk := s.recv(65536):
            answer += chunk
    except ConnectionResetError:  # refused before all was read: the server closed on unread bytes
        pass
    return answer


def test_fifty_trickling_clients_do_not_freeze_the_server(served: Server) -> None:
    """Each slow client sends a request line and headers a byte at a time and never finishes: waitress
    buffers them on its event loop, so its 8 threads stay free for a normal request."""
    stop = threading.Event()
    sockets = [socket.create_connection(("127.0.0.1", served.server_port), timeout=5) for _ in range(50)]
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"z" * 10_000
    failures: list[BaseException] = []

    def trickle() -> None:
        try:
            for i in range(len(head)):
                for s in sockets:
                    s.send(head[i : i + 1])
                if stop.wait(0.05):
                    return
        except BaseException as exc:
            failures.append(exc)

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        time.sleep(0.5)  # every slow client has started its request
        for _ in range(3):
            status, _, body = get(served, timeout=10)
            assert (status, body) == (200, b"ok")
        assert not failures and trickler.is_alive()  # the slow clients were still being held
    finally:
        stop.set()
        trickler.join(5)
        for s in sockets:
            s.close()


def test_an_over_large_body_is_refused_with_413(served: Server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", served.server_port, timeout=10)
    try:
        conn.request("POST", "/echo", body=b"x" * 1000)
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (200, b"1000")
    finally:
        conn.close()
    big = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (2 << 20)
    assert exchange(served.server_port, big).startswith(b"HTTP/1.1 413 ")
    chunked = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    with socket.create_connection(("127.0.0.1", served.server_port), timeout=5) as s:
        s.sendall(chunked)
        try:
            for _ in range(40):  # 40 × 64 KiB: past 1 MiB, the server answers and closes
                s.sendall(b"10000\r\n" + b"y" * 0x10000 + b"\r\n")
        except OSError:
            pass
        assert s.recv(1000).startswith(b"HTTP/1.1 413 ")


def test_the_body_limit_is_the_callers(caplog: pytest.LogCaptureFixture) -> None:
    server = serve("127.0.0.1", 0, tiny_app(), "test-small", max_body=100)
    try:
        assert exchange(server.server_port, b"POST /echo HTTP/1.1\r\nContent-Length: 101\r\n\r\n").startswith(
            b"HTTP/1.1 413 "
        )
    finally:
        server.shutdown()


def test_no_server_header_no_forwarded_address(served: Server) -> None:
    status, headers, _ = get(served)
    assert status == 200 and "Server" not in headers and "Via" not in headers
    raw = exchange(
        served.server_port,
        b"GET /env HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n",
    )
    assert b'"forwarded":null' in raw.replace(b" ", b"") and b"203.0.113.9" not in raw


def test_nothing_logged_names_the_client_or_what_it_wrote(caplog: pytest.LogCaptureFixture) -> None:
    def app(environ, start_response):  # type: ignore[no-untyped-def]
        if environ["PATH_INFO"].startswith("/boom"):
            raise ValueError(f"cannot serve {environ['PATH_INFO']}")
        if environ["PATH_INFO"].startswith("/lie"):  # too few bytes for its Content-Length
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "10")])
            return [b"ok"]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = serve("127.0.0.1", 0, app, "test")
    port = server.server_port
    try:
        with caplog.at_level(logging.DEBUG):
            answers = [
                exchange(port, raw)
                for raw in (
                    b"GET /someone@example.org HTTP/1.1\r\nConnection: close\r\n\r\n",  # served
                    b"GET /x?q=canary HTTP/1.1\r\nsomeone@example.org\r\n\r\n",  # refused: bad header
                    b"GET /someone@example.org?canary HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n",  # 431
                    b"POST /someone@example.org HTTP/1.1\r\nContent-Length: 9999999\r\n\r\n",  # 413
                    b"GET /boom/someone@example.org?canary HTTP/1.1\r\nConnection: close\r\n\r\n",  # app raises
                    b"GET /lie/someone@example.org HTTP/1.1\r\nConnection: close\r\n\r\n",  # app misbehaves
                )
            ]
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:  # gone mid-request
                s.sendall(b"GET /someone@example.org HTTP/1.1\r\nHost: x\r\n")
    finally:
        server.shutdown()
    assert [a.split(b"\r\n")[0] for a in answers] == [
        b"HTTP/1.1 200 OK",
        b"HTTP/1.0 400 Bad Request",
        b"HTTP/1.0 431 Request Header Fields Too Large",
        b"HTTP/1.1 413 Request Entity Too Large",
        b"HTTP/1.1 500 Internal Server Error",
        b"HTTP/1.1 200 OK",
    ]
    assert b"ValueError" not in answers[4] and b"someone" not in answers[4]  # no traceback either
    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    for secret in ("127.0.0.1", str(port), "someone", "example.org", "canary", "/boom", "/lie"):
        assert secret not in logged, secret
    assert all(not r.name.startswith("waitress") for r in caplog.records)
    assert "refused a request before the application (400 Bad Request)" in caplog.text
    assert "(431 Request Header Fields Too Large)" in caplog.text
    assert "(413 Request Entity Too Large)" in caplog.text
    assert "ValueError raised while serving a request at " in caplog.text


def test_shutdown_closes_every_connection_and_frees_the_port() -> None:
    port = free_port()
    server = serve("127.0.0.1", port, tiny_app(), "test-restart")
    kept = socket.create_connection(("127.0.0.1", port), timeout=5)  # keep-alive, idle
    kept.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    first = b""
    while not first.endswith(b"\r\n\r\nok"):
        first += kept.recv(1000)
    assert first.startswith(b"HTTP/1.1 200 ")
    half = socket.create_connection(("127.0.0.1", port), timeout=5)  # a request half-written
    half.sendall(b"GET / HTTP/1.1\r\n")
    time.sleep(0.2)

    started = time.monotonic()
    server.shutdown()
    assert time.monotonic() - started < 10
    assert not [t for t in threading.enumerate() if t.name.startswith("test-restart")]
    assert kept.recv(1000) == b"" and half.recv(1000) == b""  # closed by the server
    kept.close()
    half.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    server.shutdown()  # a second call is harmless

    again = serve("127.0.0.1", port, tiny_app(), "test-restart")  # the same port, at once
    try:
        assert get(again)[0] == 200
    finally:
        again.shutdown()


def test_a_taken_port_fails_at_serve_and_leaves_nothing_behind() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        before = {t.ident for t in threading.enumerate()}
        with pytest.raises(OSError):
            serve("127.0.0.1", taken.getsockname()[1], tiny_app(), "test-taken")
        time.sleep(0.2)
        assert not [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]


def test_a_trusted_proxy_is_believed_and_no_one_else() -> None:
    """Behind the TLS proxy (admin.trusted_proxy), the app sees the client's address and https;
    from any other address the forwarded headers are dropped."""
    import json as _json
    import urllib.request as _request

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        body = _json.dumps(
            {"addr": environ.get("REMOTE_ADDR"), "scheme": environ.get("wsgi.url_scheme")}
        ).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    for trusted, expected in (
        ("127.0.0.1", {"addr": "203.0.113.7", "scheme": "https"}),
        ("", {"addr": "127.0.0.1", "scheme": "http"}),
    ):
        server = serve("127.0.0.1", 0, app, "proxytest", trusted_proxy=trusted)
        try:
            request = _request.Request(f"http://127.0.0.1:{server.server_port}/", headers=headers)
            with _request.urlopen(request, timeout=10) as answer:
                assert _json.loads(answer.read()) == expected
        finally:
            server.shutdown()
