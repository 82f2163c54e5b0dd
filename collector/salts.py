"""Daily random salts for the exempt track, one per site and per day, destroyed within 48 hours.

Each cinema gets its own random salt each calendar day (Europe/Paris), in `<day>/<cinema>.salt`,
shared by all collector processes through files created atomically. Visitor hashes of two cinemas
are therefore made under independent secrets, and with a day's salts gone, that day's visitor hashes
cannot be linked to the next day's or recomputed.

A salt file is written whole before it appears (a temporary file, fsync, then a hard link, which
fails if another process linked its own first) and checked on read: a disk error while creating one
is a `SaltUnavailable` (the collector's counted 503), and a file that is not a whole salt (left by an
older version interrupted half-way) is replaced, not a failure for the rest of the day.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from artaud.errors import Unavailable

PARIS = ZoneInfo("Europe/Paris")
SIZE = 32


class SaltUnavailable(Unavailable):
    """The day's salt cannot be read or created now (a disk error): the hit is refused with a 503."""

    code = "storage_unavailable"


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
            try:
                salt = self._read_or_create(path)
            except OSError as exc:
                raise SaltUnavailable(f"salt of {day}: {exc.strerror or exc}") from None
            self._cached[site] = salt
            return salt

    def _read_or_create(self, path: Path) -> bytes:
        path.parent.mkdir(exist_ok=True, mode=0o700)
        for _ in range(3):
            try:
                salt = path.read_bytes()
            except FileNotFoundError:
                salt = b""
            else:
                if len(salt) == SIZE:
                    return salt
                path.unlink(missing_ok=True)  # not a whole salt: no hash was ever made with it
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            try:
                with open(tmp, "wb") as fh:
                    fh.write(secrets.token_bytes(SIZE))
                    fh.flush()
                    os.fsync(fh.fileno())
                with contextlib.suppress(FileExistsError):  # another process was first: its salt
                    os.link(tmp, path)  # atomic, and only if no other process was first
            finally:
                tmp.unlink(missing_ok=True)
        salt = path.read_bytes()
        if len(salt) != SIZE:
            raise OSError(5, f"salt file {path.parent.name}/{path.name} keeps being damaged")
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
