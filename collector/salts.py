"""Daily random salts for the exempt track, one per site and per day, destroyed within 48 hours.

Each cinema gets its own random salt each calendar day (Europe/Paris), in `<day>/<cinema>.salt`,
shared by all collector processes through files created atomically. Visitor hashes of two cinemas
are therefore made under independent secrets, and with a day's salts gone, that day's visitor hashes
cannot be linked to the next day's or recomputed.
"""

from __future__ import annotations

import os
import secrets
import shutil
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
        self._day: date | None = None
        self._cached: dict[int, bytes] = {}  # today's salts by cinema id

    def _path(self, day: date, site: int) -> Path:
        return self._dir / day.isoformat() / f"{int(site)}.salt"

    def salt_for(self, day: date, site: int) -> bytes:
        if self._day == day:
            cached = self._cached.get(site)
            if cached is not None:
                return cached
        with self._lock:
            if self._day != day:
                self._day, self._cached = day, {}
            path = self._path(day, site)
            path.parent.mkdir(exist_ok=True, mode=0o700)
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
                    raise RuntimeError(f"salt file {day}/{path.name} is corrupt") from None
            else:
                salt = secrets.token_bytes(32)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(salt)
                    fh.flush()
                    os.fsync(fh.fileno())
            self._cached[site] = salt
            return salt

    def destroy_expired(self, now: datetime, max_age_hours: int = 48) -> list[str]:
        """Delete the salts of every day that started more than `max_age_hours` ago."""
        removed = []
        for path in self._dir.iterdir():
            try:
                day = date.fromisoformat(path.name.removesuffix(".salt"))
            except ValueError:
                continue
            start = datetime(day.year, day.month, day.day, tzinfo=PARIS)
            if now - start >= timedelta(hours=max_age_hours):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:  # a single-salt day written before salts were per site
                    path.unlink(missing_ok=True)
                removed.append(day.isoformat())
        with self._lock:
            if self._day is not None and self._day.isoformat() in removed:
                self._day, self._cached = None, {}
        return sorted(removed)

    def days(self) -> list[str]:
        return sorted(p.name.removesuffix(".salt") for p in self._dir.iterdir() if p.name[:1].isdigit())
