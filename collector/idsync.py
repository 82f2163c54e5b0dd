"""The partner ID sync (IO-free): which registered sync URLs a visitor's browser may call, and with
what value. The collector serves it; the partners' API and the CLI check the URLs with it.

After a visitor consented to a partner, the tag opens a hidden frame on the collector; the collector
decides the consent again from the hit's own signal and hands each covered partner's sync URL the
visitor's **partner-scoped pseudonym**, the very value that partner finds in its exports. The
partner matches it to its own cookie; it never sees the first-party id, the pooled pseudonym, another
partner's value or the page the visitor was on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from artaud.collector.partner_pseudonyms import partner_pseudonym
from artaud.errors import InvalidInput

PLACEHOLDER = "{xid}"
MAX_URL = 512
# http is accepted only where it can never reach a real partner: loopback, and the names RFC 2606 and
# RFC 6761 reserve for tests and documentation
_TEST_SUFFIXES = (".test", ".example", ".invalid", ".localhost")
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})  # as urlsplit gives hostnames


class SyncUrlError(InvalidInput):
    """`reasons` names each problem (the keys of `check_sync_url`'s list) so that the console can
    word them in French; the message gives them in English, as the partners' API answers."""

    code = "bad_sync_url"

    def __init__(self, message: str, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reasons = reasons


@dataclass(frozen=True)
class SyncPartner:
    slug: str
    url: str  # a template with {xid} once


def check_sync_url(url: str) -> str:
    """The URL as registered, or SyncUrlError naming every problem at once."""
    problems: list[tuple[str, str]] = []
    url = url.strip()
    if len(url) > MAX_URL:
        problems.append(("length", f"at most {MAX_URL} characters"))
    if url.count(PLACEHOLDER) != 1:
        problems.append(
            ("placeholder", f"must contain {PLACEHOLDER} exactly once (where the pseudonym goes)")
        )
    if any(c.isspace() or ord(c) < 0x20 or c in "<>\"'`\\" for c in url):
        problems.append(("characters", "no spaces, quotes, angle brackets or backslashes"))
    try:
        parts = urlsplit(url.replace(PLACEHOLDER, "x"))
        host = (parts.hostname or "").lower()
    except ValueError:
        parts, host = None, ""
    if parts is None or not host:
        problems.append(("absolute", "must be an absolute https:// URL with a host"))
    else:
        if parts.scheme == "http":
            if not (host in _LOOPBACK or host.endswith(_TEST_SUFFIXES)):
                problems.append(("http", "must use https (http only for loopback and reserved test names)"))
        elif parts.scheme != "https":
            problems.append(("scheme", "must use https"))
        if parts.username is not None or parts.password is not None:
            problems.append(("credentials", "no user name or password in the URL"))
        if parts.fragment:
            problems.append(("fragment", "no #fragment"))
        if PLACEHOLDER in urlsplit(url).netloc:
            problems.append(
                ("placeholder_host", f"{PLACEHOLDER} belongs in the path or the query, not the host")
            )
    if problems:
        raise SyncUrlError("sync URL: " + "; ".join(m for _, m in problems), tuple(r for r, _ in problems))
    return url


def origin(url: str) -> str:
    parts = urlsplit(url.replace(PLACEHOLDER, "x"))
    return f"{parts.scheme}://{parts.netloc}"


def targets(
    consented: frozenset[str], pooled: str, entries: Iterable[tuple[SyncPartner, bytes]]
) -> list[tuple[str, str]]:
    """(partner, URL to call) for each registered partner the visitor consented to, in slug order,
    from (partner, its pseudonym key) entries. `consented` is the consent decision's partner set,
    empty unless the pooled audience is consented too."""
    out = []
    for p, key in sorted(entries, key=lambda e: e[0].slug):
        if p.slug in consented:
            out.append((p.slug, p.url.replace(PLACEHOLDER, partner_pseudonym(key, pooled))))
    return out
