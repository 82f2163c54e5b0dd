"""A request as a plain value (IO-free): what the server adapters (`collector/rsgi.py` for granian's
workers, `CollectorApp.__call__` for WSGI) build from the server's objects, so that the hit pipeline
(`collector/pipeline.py`) never sees one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    peer: str = ""  # the socket's address (a trusted proxy may name the client in X-Forwarded-For)

    def header(self, name: str) -> str:
        return self.headers.get(name) or ""


def client_ip(req: Request, trusted_proxies: frozenset[str]) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy, which names it in
    X-Forwarded-For (the last address there that is not a trusted proxy: the ones before it are the
    client's to write)."""
    peer = req.peer
    fwd = req.header("x-forwarded-for")
    if fwd and peer in trusted_proxies:
        for cand in reversed([p.strip() for p in fwd.split(",")]):
            if cand and cand not in trusted_proxies:
                return cand
    return peer
