"""IO-free: the account lockout rule. After `failures` failed sign-ins in a row the account is locked
for `minutes`; a success resets the count; a locked account refuses even the right password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    failures: int
    minutes: int

    def after_failure(self, failed: int, now: datetime) -> tuple[int, datetime | None]:
        """The new count of failures in a row, and the lock's end when this failure locks."""
        count = failed + 1
        if count >= self.failures:
            return 0, now + timedelta(minutes=self.minutes)
        return count, None


def locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until
