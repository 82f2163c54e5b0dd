"""What a consent banner's state means for our purposes (IO-free): tarteaucitron.js and Klaro.

The tag reads the banner's state (`tarteaucitron.state`, or Klaro's `getManager().consents` once the
visitor confirmed a choice) and sends the services that are ours as `name=true|false` pairs, for
example `artaud=true,artaud_acme=false`. The service named `service` (default `artaud`) stands for
the pooled audience; `<service>_<partner slug>` for sharing with that partner, which only counts
together with the pooled audience. A pair that does not parse makes the whole state invalid.
"""

from __future__ import annotations

import re
from typing import Literal

CmpSource = Literal["tac", "klaro"]
CMP_SOURCES: frozenset[str] = frozenset({"tac", "klaro"})
_PAIR = re.compile(r"^([a-z0-9][a-z0-9_-]{0,62})=(true|false)$")


def parse_cmp_state(state: str, service: str) -> tuple[bool, frozenset[str]] | None:
    """(pooled, partners) from a banner state, or None if the state is malformed."""
    pooled = False
    partners: set[str] = set()
    prefix = service + "_"
    for item in state.split(",") if state else []:
        m = _PAIR.match(item)
        if m is None:
            return None
        name, granted = m.group(1), m.group(2) == "true"
        if name == service:
            pooled = granted
        elif name.startswith(prefix) and len(name) > len(prefix):
            if granted:
                partners.add(name[len(prefix) :])
        else:
            return None  # not one of ours: the tag never sends it
    return pooled, frozenset(partners) if pooled else frozenset()
