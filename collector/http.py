"""The collector's answer as a plain value (IO-free), which the server adapters (`collector/rsgi.py`
for granian's workers, `CollectorApp.__call__` for WSGI) write out; the request is
`collector/request.py`'s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

from artaud.collector.hit import DropReason


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


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
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def status_of(reason: DropReason) -> int:
    """The HTTP status of each refusal; mypy checks that every reason has one."""
    match reason:
        case "unknown_site" | "site_suspended" | "origin_mismatch":
            return 403
        case "body_too_large":
            return 413
        case "malformed" | "too_many_events" | "invalid_event":
            return 400
        case "unsupported_media_type":
            return 415
        case "too_slow":
            return 408
        case "spool_full" | "storage_unavailable":
            return 503
        case _:
            assert_never(reason)


def status_line(status: int) -> str:
    return f"{status} {REASONS.get(status, '')}".rstrip()
