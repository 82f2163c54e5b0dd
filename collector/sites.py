"""Which site keys exist and which domains they may send from (a read-only, cached view)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("artaud.collector")


@dataclass(frozen=True)
class Site:
    cinema_id: int
    cnc_id: str
    domains: tuple[str, ...]
    active: bool

    def allows(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)


class SiteDirectory(Protocol):
    def lookup(self, site_key: str) -> Site | None: ...


class StaticSites:
    def __init__(self, sites: dict[str, Site]) -> None:
        self._sites = dict(sites)

    def lookup(self, site_key: str) -> Site | None:
        return self._sites.get(site_key)


class RefreshingSites:
    """Reloads the whole directory from a loader every `ttl` seconds (in the background
    of a request: a slow control plane never blocks hits once a first copy is loaded)."""

    def __init__(self, loader: Callable[[], Iterable[tuple[str, Site]]], ttl: float) -> None:
        self._loader = loader
        self._ttl = ttl
        self._sites: dict[str, Site] = dict(loader())
        self._at = time.monotonic()
        self._refreshing = threading.Lock()

    def lookup(self, site_key: str) -> Site | None:
        if time.monotonic() - self._at > self._ttl and self._refreshing.acquire(blocking=False):
            threading.Thread(target=self._refresh, daemon=True).start()
        return self._sites.get(site_key)

    def _refresh(self) -> None:
        try:
            self._sites = dict(self._loader())
        except Exception:  # keep serving the last good copy
            log.warning("site directory refresh failed; serving the last good copy", exc_info=True)
        finally:
            self._at = time.monotonic()
            self._refreshing.release()
