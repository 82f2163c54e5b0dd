"""Code blocks of the docs that tests run: a fenced block right after `<!-- block: NAME -->`."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
_BLOCK = re.compile(r"<!-- block: ([\w-]+) -->\n```\w*\n(.*?)\n```", re.S)


def blocks(doc: str) -> dict[str, str]:
    return dict(_BLOCK.findall((DOCS / doc).read_text()))


def block(name: str, doc: str = "webmasters.fr.md") -> str:
    return blocks(doc)[name]
