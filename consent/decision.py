"""One consent decision per hit, from the signals it carries.

Sources: IAB TCF v2.2 strings (`gdpr_consent`), the states of tarteaucitron.js and Klaro as the tag
reads them (`consent/cmp.py`), the tag's own small API (a purposes list such as
"measure,pool,partner:acme"), Global Privacy Control and Do Not Track (objections to the pooled track).
A TC string decides when present, then a banner's state, then the tag's API; a malformed or expired
signal is an explicit "no valid consent", never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from artaud.consent.cmp import CMP_SOURCES, parse_cmp_state
from artaud.consent.tcf import TCFError, decode
from artaud.consent.tcf_policy import TcfPolicy, expired, pooled_and_partners

_PARTNER = re.compile(r"^partner:[a-z0-9][a-z0-9_-]{0,62}$")
POLICY_VERSION = "2026-11-1"


@dataclass(frozen=True)
class Signals:
    tag_purposes: str | None  # the tag's purposes list or a banner's state; None: no signal at all
    cmp: str | None = None  # "tac" | "klaro" when tag_purposes is that banner's state
    gpc: bool = False
    dnt: bool = False
    tcf: str | None = None  # an IAB TCF v2 TC string


@dataclass(frozen=True)
class Policy:
    honour_gpc: bool = True
    honour_dnt: bool = True
    cmp_service: str = "artaud"  # tarteaucitron / Klaro service name of the pooled audience
    tcf: TcfPolicy = field(default_factory=TcfPolicy)


@dataclass(frozen=True)
class Decision:
    measurement: bool  # the exempt per-cinema statistics (always allowed: CNIL exemption)
    pooled: bool  # the pooled audience (opt-in only)
    partners: frozenset[str]
    source: str  # "tcf" | "tac" | "klaro" | "tag" | "none" | "invalid" | "expired"
    objection: str  # "" | "gpc" | "dnt" | "limited" (too many new identifiers from one network)

    @property
    def purposes(self) -> str:
        parts = ["measure"] if self.measurement else []
        if self.pooled:
            parts.append("pool")
            parts.extend(f"partner:{p}" for p in sorted(self.partners))
        return ",".join(parts)


NO_CONSENT = Decision(measurement=True, pooled=False, partners=frozenset(), source="none", objection="")


def parse_purposes(text: str) -> tuple[bool, frozenset[str]] | None:
    """(pooled, partners) from a purposes list, or None if the list is malformed."""
    pooled = False
    partners: set[str] = set()
    tokens = [t.strip() for t in text.split(",")] if text else []
    for tok in tokens:
        if tok in ("measure", "none", "deny", ""):
            continue
        if tok == "pool":
            pooled = True
        elif _PARTNER.match(tok):
            partners.add(tok.split(":", 1)[1])
        else:
            return None
    return pooled, frozenset(partners) if pooled else frozenset()


def decide(signals: Signals, policy: Policy | None = None, now: datetime | None = None) -> Decision:
    policy = policy or Policy()
    objection = ""
    if signals.gpc and policy.honour_gpc:
        objection = "gpc"
    elif signals.dnt and policy.honour_dnt:
        objection = "dnt"
    if signals.tcf is not None:
        try:
            tc = decode(signals.tcf)
        except TCFError:
            return Decision(True, False, frozenset(), "invalid", objection)
        if expired(tc, policy.tcf, now or datetime.now(UTC)):
            return Decision(True, False, frozenset(), "expired", objection)
        pooled, partners = pooled_and_partners(tc, policy.tcf)
        if objection:
            return Decision(True, False, frozenset(), "tcf", objection)
        return Decision(True, pooled, partners, "tcf", "")
    if signals.cmp is not None:
        if signals.cmp not in CMP_SOURCES:
            return Decision(True, False, frozenset(), "invalid", objection)
        source = signals.cmp
        parsed = parse_cmp_state(signals.tag_purposes or "", policy.cmp_service)
    elif signals.tag_purposes is None:
        return Decision(True, False, frozenset(), "none", objection)
    else:
        source = "tag"
        parsed = parse_purposes(signals.tag_purposes)
    if parsed is None:
        return Decision(True, False, frozenset(), "invalid", objection)
    pooled, partners = parsed
    if objection:
        return Decision(True, False, frozenset(), source, objection)
    return Decision(True, pooled, partners, source, "")
