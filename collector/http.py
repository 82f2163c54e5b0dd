"""The collector's answer as a plain value (IO-free), which the server adapters (`collector/rsgi.py`
for granian's workers, `CollectorApp.__call__` for WSGI) write out; and the fixed parts of answers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_STORE = ("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0")
TEXT = ("Content-Type", "text/plain; charset=utf-8")

REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def status_line(status: int) -> str:
    return f"{status} {REASONS.get(status, '')}".rstrip()
