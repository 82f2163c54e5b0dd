"""URL minimisation: scheme, host and path plus allow-listed parameters; nothing else. What a path
segment or a parameter may keep is `collector/minimise.py`'s decision."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from artaud.collector import minimise


@dataclass(frozen=True)
class CleanUrl:
    host: str
    path: str
    params: str  # allow-listed parameters only, urlencoded, sorted


def clean_path(path: str, secrets: minimise.Secrets = minimise.NO_SECRETS) -> str:
    """Path segments that could carry a person (e-mails, IP addresses, user agents, long opaque
    tokens, in any percent-decoding; the request's own raw values) are replaced by a marker."""
    out = []
    for seg in path.split("/"):
        dec = unquote(seg)
        marker = minimise.segment(dec, secrets) if dec else None
        out.append(marker if marker is not None else quote(dec, safe="-._~!$&'()*+,;=:"))
    p = "/".join(out)[:512]
    return p or "/"


@lru_cache(maxsize=32768)
def clean_url(url: str, allowed_params: frozenset[str]) -> CleanUrl | None:
    """Return the minimised URL, or None if it is not an absolute http(s) URL (pure, so cached:
    pages repeat; the cache is process memory only). The request's own raw values are looked for
    afterwards (`scrub`), since they differ with every request."""
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
            if minimise.segment(v) is None:
                kept.append((k, v))
    return CleanUrl(host=host, path=clean_path(parts.path), params=urlencode(sorted(kept)))


def scrub(url: CleanUrl, secrets: minimise.Secrets) -> CleanUrl:
    """`url` without the request's own raw values (its IP address, user agent, first-party id)."""
    if not secrets.values or not (secrets.found_in(url.path) or secrets.found_in(url.params)):
        return url
    params = [(k, v) for k, v in parse_qsl(url.params) if not secrets.found_in(v)]
    return CleanUrl(url.host, clean_path(url.path, secrets), urlencode(params))


@lru_cache(maxsize=4096)
def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def redact_text(text: str) -> str:
    """Free text fields (film titles) keep no e-mail address, IP address, user agent or token."""
    return minimise.text(text)
