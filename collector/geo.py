"""Coarse region from an IP address, from a CIDR table; the address itself is then dropped."""

from __future__ import annotations

import bisect
import csv
import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Protocol


class RegionResolver(Protocol):
    def region(self, ip: str) -> str: ...


class NoRegion:
    def region(self, ip: str) -> str:
        return ""


class CidrTable:
    """Sorted IPv4/IPv6 ranges -> ISO 3166-2 region code; binary search per lookup."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        ranges: list[tuple[int, int, int, str]] = []
        for cidr, region in rows:
            net = ipaddress.ip_network(cidr.strip(), strict=False)
            ranges.append((net.version, int(net.network_address), int(net.broadcast_address), region.strip()))
        ranges.sort()
        self._starts = [(v, s) for v, s, _, _ in ranges]
        self._ranges = ranges

    @classmethod
    def from_csv(cls, path: Path) -> CidrTable:
        with path.open(encoding="utf-8") as fh:
            rows = [(r[0], r[1]) for r in csv.reader(fh) if r and not r[0].startswith("#") and len(r) >= 2]
        return cls(rows)

    def region(self, ip: str) -> str:
        return self._region(ip)

    @lru_cache(maxsize=65536)  # noqa: B019 - one table per process, lives as long as the process
    def _region(self, ip: str) -> str:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return ""
        key = (addr.version, int(addr))
        i = bisect.bisect_right(self._starts, key) - 1
        if i >= 0:
            v, start, end, region = self._ranges[i]
            if v == addr.version and start <= int(addr) <= end:
                return region
        return ""


@lru_cache(maxsize=65536)
def network_prefix(ip: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) network: an input to the exempt-track hash, never stored.
    (Cached: the process keeps recent addresses in memory only, never on disk or in logs.)"""
    parts = ip.split(".")
    if len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
        return f"{int(parts[0])}.{int(parts[1])}.{int(parts[2])}.0"
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    bits = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False).network_address)
