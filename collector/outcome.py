"""What the hit pipeline (`collector/pipeline.py`) makes of a request (IO-free): refused with a reason,
or accepted with the payloads to store, the answer, and what to count once they are stored.

The adapter (`collector/app.py`) is the only one to act on an outcome: it appends the payloads to the
sink, counts, and writes the answer. These are values; they are not frozen only because a frozen
dataclass's `__init__` costs five times as much (1.5 µs against 0.3 µs), on every hit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import assert_never

from artaud.collector.hit import DropReason
from artaud.collector.metrics import Track
from artaud.collector.sites import Site


@dataclass(slots=True)
class Refused:
    reason: DropReason
    detail: str
    site: Site | None = None  # the cinema the request named, when known: its counter, CORS for its pages
    origin: str = ""  # the request's Origin, "" where the answer is not for a page to read


@dataclass(slots=True)
class Tally:
    """What to count for an accepted request; counted once its payloads are stored, except `limited`
    (counted as decided, whatever becomes of the hit)."""

    track: Track | None = None  # the stored events' track; None when no event is stored
    events: int = 0
    bots: int = 0  # events flagged as robots'
    limited: bool = False  # a pooled hit sent to the exempt track by the id limit (collector/idlimit.py)
    withdrawal: bool = False
    syncs: tuple[str, ...] = ()  # the partners handed a pseudonym


@dataclass(slots=True)
class Accepted:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    payloads: Sequence[bytes] = ()  # for the sink, in one write (all or none) before the answer
    site: Site | None = None  # the cinema: its counters, and CORS if the sink refuses the payloads
    origin: str = ""
    tally: Tally = field(default_factory=Tally)


Outcome = Refused | Accepted


def status_of(reason: DropReason) -> int:
    """The HTTP status of each refusal; mypy checks that every reason has one (docs/collector.md)."""
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
        case "rate_limited":
            return 429
        case "spool_full" | "storage_unavailable":
            return 503
        case _:
            assert_never(reason)
