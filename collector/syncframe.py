"""The partner ID sync frame (IO-free): the small document the tag opens, hidden, on the collector.

The page around it cannot read it (another origin). It loads each consented partner's sync URL as an
image, without a referrer, and runs no script at all. How often it is opened is the tag's business
(at most once a day per visitor and site, remembered with the visitor's identifier).
"""

from __future__ import annotations

from html import escape

from artaud.collector.idsync import origin


def document(targets: list[tuple[str, str]]) -> tuple[bytes, list[tuple[str, str]]]:
    """The frame's HTML and headers for these (partner, URL) targets (none: an empty document)."""
    images = "".join(
        f'<img alt="" width="1" height="1" referrerpolicy="no-referrer" data-partner="{escape(slug)}" '
        f'src="{escape(url)}">'
        for slug, url in targets
    )
    body = (
        '<!doctype html><html lang="fr"><meta charset="utf-8"><meta name="referrer" content="no-referrer">'
        f"<title>artaud</title>{images}</html>"
    ).encode()
    # the partners' own origins, and any https address their sync URLs redirect to
    sources = " ".join(["https:", *sorted({origin(url) for _, url in targets})]) if targets else "'none'"
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        (
            "Content-Security-Policy",
            f"default-src 'none'; img-src {sources}; base-uri 'none'; form-action 'none'",
        ),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store"),
    ]
    return body, headers
