"""How lists of pseudonyms are served (IO-free): which format, its bytes, and their compression.

One rule picks the format: the `format` query parameter when given; else the best match of the
`Accept` header among `application/json` (one JSON page), `application/x-ndjson` (JSON lines) and
`text/csv`, with `*/*` or no header meaning the JSON page (what a client generated from the OpenAPI
document parses); an `Accept` that allows none of them is 406. The three carry the same pseudonyms in the same order; the manifest's `members_sha256` is
over the pseudonyms themselves, one per line, whatever the format.

- `jsonl`: one `{"pseudonym": "…"}` per line;
- `csv`: a `pseudonym` header line, then one pseudonym per line;
- `json`: `{"items": [{"pseudonym": "…"}, …], "next_cursor": "…" | null}`, the page and where the
  next one starts, so a generated client needs no header.

A body is gzip-compressed when the request's `Accept-Encoding` allows gzip.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from artaud.errors import InvalidInput

MEDIA = {"json": "application/json", "jsonl": "application/x-ndjson", "csv": "text/csv"}  # first: the default
BY_MEDIA = {m: f for f, m in MEDIA.items()}
FORMATS = tuple(MEDIA)
BATCH = 5000


class NotAcceptable(InvalidInput):
    code = "not_acceptable"
    status = 406


def choose(format_param: str | None, accept: str | None) -> str:
    """The format of an answer: ValueError for an unknown `format`, NotAcceptable when `Accept`
    allows none of ours."""
    if format_param is not None:
        if format_param not in MEDIA:
            raise ValueError(f"format: one of {', '.join(FORMATS)}")
        return format_param
    if not accept or not accept.strip():
        return "json"
    best = parse_accept_header(accept, MIMEAccept).best_match(list(MEDIA.values()))
    if best is None:
        raise NotAcceptable(accept)
    return BY_MEDIA[best]


def render(fmt: str, pseudonyms: Iterable[str], next_cursor: str | None = None) -> Iterator[bytes]:
    """The body of a list, in batches (a list may be a million lines: never built whole)."""
    buf: list[str] = []
    if fmt == "csv":
        buf.append("pseudonym\n")
    elif fmt == "json":
        buf.append('{"items":[')
    first = True
    for p in pseudonyms:
        if fmt == "csv":
            buf.append(p + "\n")
        elif fmt == "jsonl":
            buf.append('{"pseudonym":"' + p + '"}\n')
        else:
            buf.append(('{"pseudonym":"' if first else ',{"pseudonym":"') + p + '"}')
        first = False
        if len(buf) >= BATCH:
            yield "".join(buf).encode()
            buf = []
    if fmt == "json":
        buf.append('],"next_cursor":' + json.dumps(next_cursor) + "}")
    if buf:
        yield "".join(buf).encode()


def wants_gzip(accept_encoding: str | None) -> bool:
    if not accept_encoding:
        return False
    accepted = parse_accept_header(accept_encoding)
    return accepted["gzip"] > 0


def gzipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    box = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: the gzip container
    for chunk in chunks:
        out = box.compress(chunk)
        if out:
            yield out
    yield box.flush()
