"""Whether an endpoint the service sends data to could be a transfer outside the EU/EEA (IO-free).

The code sends personal data to three kinds of endpoints only, each named by a setting: the
warehouse (`warehouse.host`, backend `server`), Kafka (`kafka.bootstrap_servers`, transport `kafka`)
and the control plane's PostgreSQL (`control.url`). Partners pull their exports; nothing is pushed
to them. No geography can be read from a host name, so an endpoint counts as staying with the
operator when it is on loopback, a private or link-local address, or a single-label name (a host of
the operator's own network, as docker-compose's service names); any other host must be declared by
the operator in `compliance.eu_hosts`, exactly or by a suffix starting with a dot.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from artaud.compliance.facts import Endpoint


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def where(host: str, eu_hosts: Sequence[str]) -> str | None:
    """Why the host stays with the operator (French), or None when nothing says so."""
    host = host.strip().lower().rstrip(".")
    address = _address(host)
    if address is not None:
        if address.is_loopback:
            return "boucle locale"
        if address.is_private or address.is_link_local:
            return "adresse privée"
        return None
    if host == "localhost":
        return "boucle locale"
    for declared in eu_hosts:
        if host == declared or (declared.startswith(".") and host.endswith(declared)):
            return f"déclaré dans l'UE/EEE ({declared})"
    if host and "." not in host:
        return "nom du réseau de l'opérateur"
    return None


def outside(endpoints: Sequence[Endpoint], eu_hosts: Sequence[str]) -> list[Endpoint]:
    """The used endpoints nothing places with the operator or in the EU/EEA."""
    return [e for e in endpoints if e.used and where(e.host, eu_hosts) is None]


def hosts_of(bootstrap_servers: str) -> list[str]:
    """The hosts of a comma-separated `host:port` list (IPv6 in brackets)."""
    hosts = []
    for item in bootstrap_servers.split(","):
        item = item.strip()
        if not item:
            continue
        if item.startswith("["):
            hosts.append(item[1 : item.index("]")] if "]" in item else item[1:])
        else:
            hosts.append(item.rsplit(":", 1)[0] if item.count(":") == 1 else item)
    return hosts
