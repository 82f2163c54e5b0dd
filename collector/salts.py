"""Daily random salts for the exempt track, destroyed after at most 48 hours.

One salt per calendar day (Europe/Paris), shared by all collector processes through a
file created atomically; with the salt gone, yesterday's visitor hashes cannot be linked
to today's or recomputed.
"""

from __future__ import annotations

import os
import secrets
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def local_day(now: datetime) -> date:
    return now.astimezone(PARIS).date()


class SaltStore:
    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()
        self._cached: tuple[date, bytes] | None = None

    def _path(self, day: date) -> Path:
        return self._dir / f"{day.isoformat()}.salt"

    def salt_for(self, day: date) -> bytes:
        cached = self._cached
        if cached is not None and cached[0] == day:
            return cached[1]
        with self._lock:
            path = self._path(day)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                salt = b""
                for _ in range(100):  # another process may be writing it right now
                    salt = path.read_bytes()
                    if len(salt) == 32:
                        break
                    threading.Event().wait(0.005)
                if len(salt) != 32:
                    raise RuntimeError(f"salt file {path.name} is corrupt") from None
            else:
                salt = secrets.token_bytes(32)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(salt)
                    fh.flush()
                    os.fsync(fh.fileno())
            self._cached = (day, salt)
            return salt

    def destroy_expired(self, now: datetime, max_age_hours: int = 48) -> list[str]:
        """Delete salts whose day started more than `max_age_hours` ago."""
        removed = []
        for path in self._dir.glob("*.salt"):
            try:
                day = date.fromisoformat(path.stem)
            except ValueError:
                continue
            start = datetime(day.year, day.month, day.day, tzinfo=PARIS)
            if now - start >= timedelta(hours=max_age_hours):
                path.unlink(missing_ok=True)
                removed.append(path.stem)
        with self._lock:
            if self._cached is not None and self._cached[0].isoformat() in removed:
                self._cached = None
        return sorted(removed)

    def days(self) -> list[str]:
        return sorted(p.stem for p in self._dir.glob("*.salt"))
