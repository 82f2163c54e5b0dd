"""Where a hit comes from, judged against the cinema's domains (IO-free).

A site key is public: anyone can put it in a request. What ties a hit to the cinema is the evidence
the browser gives of the page that sent it, and every piece of it must be on the cinema's domains
(its subdomains included), with at least one present:

- the `Origin` header, except `null` (an opaque origin: a sandboxed frame, a `data:` or `file:`
  page, some redirects), which says nothing of the page and so counts as absent;
- the `Referer` header;
- the page URL of each event (`u`).

One rule for every endpoint that names a site (pixel, beacon, withdrawal, sync frame, check). CORS
answers follow from it: an `Access-Control-Allow-Origin` goes back only to an `Origin` on the
cinema's domains, never to any other.
"""

from __future__ import annotations

from collections.abc import Iterable

from artaud.collector.hit import HitError
from artaud.collector.sites import Site
from artaud.collector.urls import host_of


def origin_host(origin: str) -> str:
    """The host of an `Origin` header, "" when absent or opaque (`null`)."""
    return "" if origin.strip() in ("", "null") else host_of(origin)


def check(site: Site, origin: str, referer: str, urls: Iterable[str]) -> None:
    """Raise origin_mismatch unless every piece of evidence is on the cinema's domains and there is one."""
    seen = False
    for values in ((origin, referer), urls):  # on every hit: no pairs built, no host of an absent value
        for value in values:
            if not value or value.strip() == "null":
                continue
            host = host_of(value)  # what origin_host gives for a value that is neither absent nor null
            if not host or not site.allows(host):
                raise HitError("origin_mismatch", "page is not on one of this cinema's domains", "")
            seen = True
    if not seen:
        raise HitError("origin_mismatch", "no Origin, Referer or page URL on this cinema's domains", "")


def cors(site: Site | None, origin: str) -> list[tuple[str, str]]:
    """CORS headers for an answer to `origin`: only for an origin on the site's domains."""
    host = origin_host(origin)
    if site is None or not host or not site.allows(host):
        return []
    return [("Access-Control-Allow-Origin", origin.strip()), ("Vary", "Origin")]
