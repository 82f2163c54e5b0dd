"""IO-free: the account lockout rule. After `failures` failed sign-ins in a row the account is locked
for `minutes` (the next attempt, whatever its password, is refused and locks it); a success resets
the count; a locked account refuses even the right password. The store counts each attempt before
checking it (admin/accounts.py), so parallel guesses are all counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LockoutPolicy:
    failures: int
    minutes: int


def locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until
