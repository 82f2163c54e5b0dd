"""When keys rotate (IO-free): the privacy model says pseudonymisation keys rotate on a schedule and
older versions are destroyed after a grace period, which makes their pseudonyms unlinkable. The
pooled key and each partner's key rotate when their newest version is older than their rotation
period; the older version then lives for `grace_days` (long enough for the longest segment window:
a person's events before the rotation still count as theirs until it ends) and is destroyed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from artaud.config.keyring import KeyMeta


@dataclass(frozen=True)
class RotationPolicy:
    pooled_days: int = 365
    partner_days: int = 90
    grace_days: int = 95

    def period(self, purpose: str) -> int | None:
        """Days between rotations of a purpose's key; None: not rotated on a schedule (signing and
        cursor keys, salts, which have lives of their own)."""
        if purpose == "pooled-visitor":
            return self.pooled_days
        if purpose.startswith("partner-"):
            return self.partner_days
        return None


def due(metas: Iterable[KeyMeta], policy: RotationPolicy, now: datetime) -> list[str]:
    """The purposes whose newest live version is older than their rotation period."""
    newest: dict[str, KeyMeta] = {}
    for m in metas:
        if not m.destroyed and (m.purpose not in newest or m.version > newest[m.purpose].version):
            newest[m.purpose] = m
    out = []
    for purpose, m in sorted(newest.items()):
        days = policy.period(purpose)
        if days is not None and datetime.fromisoformat(m.created_at) + timedelta(days=days) <= now:
            out.append(purpose)
    return out


@dataclass(frozen=True)
class Rotated:
    """What a rotation on demand did (`artaud keys rotate`, the console's « Faire tourner »)."""

    purpose: str
    version: int  # the new version
    grace_days: int  # the older versions retire after this many days
    reencrypted: int  # cinemas' bank details re-encrypted under the newest key
