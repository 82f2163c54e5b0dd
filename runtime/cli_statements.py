"""`artaud remuneration render`: a cinema's statement document (its JSON form) as HTML, PDF or CSV.

The command line's adapter to the IO-free renderers of `artaud.remuneration.statement_document`:
it reads the file, renders, and writes the result to `--out` or to standard output. The ledger's
command (a period's statements built from what was paid) calls the same renderers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from artaud.files import write_private

FORMATS = ("html", "pdf", "csv")


def render(document: bytes, fmt: str, source: str = "statement") -> bytes:
    """The statement document's JSON bytes rendered in `fmt`, as the bytes to write."""
    from artaud.remuneration.statement_document import (
        render_csv,
        render_html,
        render_pdf,
        statement_from_json,
    )

    statement = statement_from_json(document, source=source)
    if fmt == "pdf":
        return render_pdf(statement)
    if fmt == "csv":
        return render_csv(statement).encode("utf-8")
    return render_html(statement).encode("utf-8")


def cmd_render(args: argparse.Namespace) -> int:
    out = render(Path(args.source).read_bytes(), args.format, source=args.source)
    if args.out is None:
        if args.format == "pdf" and sys.stdout.isatty():
            print("error: a PDF is not written to a terminal: give --out FILE", file=sys.stderr)
            return 2
        sys.stdout.buffer.write(out)
        sys.stdout.buffer.flush()
    else:
        write_private(Path(args.out), out)
    return 0


def register(rem_sub: Any) -> None:
    """Add `render` to `artaud remuneration`'s sub-commands."""
    rr = rem_sub.add_parser(
        "render", help="a cinema's statement for a period (its JSON form) as HTML, PDF or CSV, in French"
    )
    rr.add_argument("--from", dest="source", required=True, help="the statement document, a JSON file")
    rr.add_argument("--format", choices=FORMATS, required=True, help="html, pdf (proofs attached) or csv")
    rr.add_argument("--out", help="the file to write (default: standard output)")
    rr.set_defaults(func=cmd_render)
