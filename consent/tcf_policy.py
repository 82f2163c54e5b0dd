"""What an IAB TCF string means for our purposes (IO-free): the pooled audience and each partner.

Which TCF purposes stand for the pooled audience, the SCARE's vendor id (0 while the SCARE is not
registered in the Global Vendor List: purposes alone then decide) and each partner's vendor id are
configuration. A string older than `max_age_days` is expired: no valid consent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from artaud.consent.tcf import TCString

NOT_ALLOWED, REQUIRE_CONSENT, REQUIRE_LI = 0, 1, 2


@dataclass(frozen=True)
class TcfPolicy:
    pooled_purposes: tuple[int, ...] = (1, 3, 4)
    scare_vendor_id: int = 0
    partner_vendor_ids: dict[str, int] = field(default_factory=dict)
    max_age_days: int = 390  # 13 months


def expired(tc: TCString, policy: TcfPolicy, now: datetime) -> bool:
    return now - tc.last_updated > timedelta(days=policy.max_age_days)


class Choices(Protocol):
    """What a decision reads of a TC string (a decoded string, or a consent record's proof)."""

    @property
    def purpose_consents(self) -> frozenset[int]: ...

    @property
    def vendor_consents(self) -> frozenset[int]: ...

    def restriction(self, purpose: int, vendor: int) -> int | None: ...


def covers(tc: Choices, purposes: tuple[int, ...], vendor: int) -> bool:
    """Consent to every purpose and (when a vendor id is set) to the vendor, with no publisher
    restriction that forbids the purpose or allows it only on legitimate interest."""
    if not all(p in tc.purpose_consents for p in purposes):
        return False
    if vendor:
        if vendor not in tc.vendor_consents:
            return False
        for p in purposes:
            if tc.restriction(p, vendor) in (NOT_ALLOWED, REQUIRE_LI):
                return False
    return True


def pooled_and_partners(tc: Choices, policy: TcfPolicy) -> tuple[bool, frozenset[str]]:
    pooled = covers(tc, policy.pooled_purposes, policy.scare_vendor_id)
    if not pooled:
        return False, frozenset()
    partners = frozenset(
        slug
        for slug, vendor in policy.partner_vendor_ids.items()
        if covers(tc, policy.pooled_purposes, vendor)
    )
    return True, partners
