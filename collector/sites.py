"""Which site keys exist and which domains they may send from (a read-only, cached view)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from artaud.collector.refresh import Refreshing


@dataclass(frozen=True)
class Site:
    cinema_id: int
    cnc_id: str
    domains: tuple[str, ...]
    active: bool

    def allows(self, host: str) -> bool:
        return _allows(self.domains, host)


@lru_cache(maxsize=8192)
def _allows(domains: tuple[str, ...], host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


class SiteDirectory(Protocol):
    def lookup(self, site_key: str) -> Site | None: ...


class StaticSites:
    def __init__(self, sites: dict[str, Site]) -> None:
        self._sites = dict(sites)

    def lookup(self, site_key: str) -> Site | None:
        return self._sites.get(site_key)


class RefreshingSites:
    """The whole directory reloaded from a loader every `ttl` seconds (`collector/refresh.py`)."""

    def __init__(self, loader: Callable[[], Iterable[tuple[str, Site]]], ttl: float) -> None:
        self._sites = Refreshing(lambda: dict(loader()), ttl, "site directory", background=True)

    def lookup(self, site_key: str) -> Site | None:
        return self._sites.get().get(site_key)
