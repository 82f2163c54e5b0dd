"""URL minimisation: scheme, host and path plus allow-listed parameters; nothing else."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote, urlencode, urlsplit

_EMAIL = re.compile(r"[^/@\s]+@[^/@\s]+")
_LONG_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,}$")


@dataclass(frozen=True)
class CleanUrl:
    host: str
    path: str
    params: str  # allow-listed parameters only, urlencoded, sorted


def clean_path(path: str) -> str:
    """Redact path segments that could carry a person: emails and long opaque tokens."""
    out = []
    for seg in path.split("/"):
        dec = unquote(seg)
        if _EMAIL.search(dec):
            out.append(":email")
        elif _LONG_TOKEN.match(dec):
            out.append(":token")
        else:
            out.append(quote(dec, safe="-._~!$&'()*+,;=:"))
    p = "/".join(out)[:512]
    return p or "/"


@lru_cache(maxsize=32768)
def clean_url(url: str, allowed_params: frozenset[str]) -> CleanUrl | None:
    """Return the minimised URL, or None if it is not an absolute http(s) URL (pure, so cached:
    pages repeat; the cache is process memory only)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    kept: list[tuple[str, str]] = []
    for pair in parts.query.split("&"):
        if not pair:
            continue
        k, _, v = pair.partition("=")
        k = unquote(k)
        if k in allowed_params:
            v = unquote(v)[:64]
            if not _EMAIL.search(v):
                kept.append((k, v))
    return CleanUrl(host=host, path=clean_path(parts.path), params=urlencode(sorted(kept)))


@lru_cache(maxsize=4096)
def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def redact_text(text: str) -> str:
    """Free text fields (film titles) keep no email address."""
    return _EMAIL.sub("[email]", text)
