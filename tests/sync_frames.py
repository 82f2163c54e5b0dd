"""Reads a partner ID sync frame (collector/syncframe.py) as a browser would: its images."""

from __future__ import annotations

from html.parser import HTMLParser


def images(body: bytes) -> list[dict[str, str | None]]:
    """The frame's <img> attributes; any element a sync frame must not have fails the test."""
    found: list[dict[str, str | None]] = []

    class P(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            assert tag in ("html", "meta", "title", "img"), f"unexpected <{tag}>"
            if tag == "img":
                found.append(dict(attrs))

    P().feed(body.decode())
    return found


def handed(body: bytes) -> dict[str, str]:
    """{partner: the URL the frame calls}."""
    return {str(i["data-partner"]): str(i["src"]) for i in images(body)}
