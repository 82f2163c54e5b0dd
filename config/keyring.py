"""Versioned secret keys, encrypted at rest with AES-256-GCM under a master key.

The master key comes from ARTAUD_MASTER_KEY (base64, 32 bytes) or, on the embedded
defaults, from `<data_dir>/secrets/master.key` (created 0600 on first run). Data keys
are generated on first use, rotated by adding a version, and destroyed (ciphertext
wiped) after their grace period so that pseudonyms made with them become unlinkable.
Every load and use of a key is logged by purpose and version, never by value.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from artaud.errors import Unavailable

log = logging.getLogger("artaud.keys")

MASTER_ENV = "ARTAUD_MASTER_KEY"


class KeyringError(Unavailable):
    """A key cannot be read, decrypted or found."""

    code = "key_unavailable"


@dataclass(frozen=True)
class KeyMeta:
    purpose: str
    version: int
    created_at: str
    retire_after: str | None
    destroyed: bool


@dataclass(frozen=True)
class DataKey:
    purpose: str
    version: int
    secret: bytes


def _now() -> datetime:
    return datetime.now(UTC)


class KeyRing:
    def __init__(self, secrets_dir: Path, env: Mapping[str, str] | None = None) -> None:
        self._dir = secrets_dir
        self._env = os.environ if env is None else env
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._master = AESGCM(self._master_key())

    # -- master key -------------------------------------------------------
    def _master_key(self) -> bytes:
        raw = self._env.get(MASTER_ENV)
        if raw:
            try:
                key = base64.b64decode(raw, validate=True)
            except ValueError as exc:
                raise KeyringError(f"{MASTER_ENV}: not valid base64") from exc
            if len(key) != 32:
                raise KeyringError(f"{MASTER_ENV}: must decode to 32 bytes, got {len(key)}")
            return key
        path = self._dir / "master.key"
        with self._locked():
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(base64.b64encode(AESGCM.generate_key(bit_length=256)))
                    fh.flush()
                    os.fsync(fh.fileno())
                log.info("generated a new master key file at %s", path)
            return base64.b64decode(path.read_bytes())

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self._dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # -- storage ----------------------------------------------------------
    @property
    def _file(self) -> Path:
        return self._dir / "keys.json"

    def _read(self) -> list[dict[str, object]]:
        if not self._file.exists():
            return []
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise KeyringError(f"{self._file}: unreadable key file: {exc}") from exc
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, list):
            raise KeyringError(f"{self._file}: no 'keys' list")
        return keys

    def _write(self, keys: list[dict[str, object]]) -> None:
        tmp = self._file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"format": 1, "keys": keys}, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._file)

    def _encrypt(self, purpose: str, version: int, secret: bytes) -> str:
        nonce = secrets.token_bytes(12)
        ct = self._master.encrypt(nonce, secret, f"{purpose}:{version}".encode())
        return base64.b64encode(nonce + ct).decode()

    def _decrypt(self, purpose: str, version: int, blob: str) -> bytes:
        raw = base64.b64decode(blob)
        try:
            return self._master.decrypt(raw[:12], raw[12:], f"{purpose}:{version}".encode())
        except InvalidTag as exc:
            raise KeyringError(f"key {purpose} v{version}: wrong master key or tampered file") from exc

    # -- API --------------------------------------------------------------
    def metas(self) -> list[KeyMeta]:
        return [
            KeyMeta(
                purpose=str(k["purpose"]),
                version=int(str(k["version"])),
                created_at=str(k["created_at"]),
                retire_after=None if k.get("retire_after") is None else str(k["retire_after"]),
                destroyed=bool(k.get("destroyed")),
            )
            for k in self._read()
        ]

    def current(self, purpose: str) -> DataKey:
        """The newest live key for a purpose, generated on first use."""
        with self._locked():
            keys = self._read()
            live = [k for k in keys if k["purpose"] == purpose and not k.get("destroyed")]
            if not live:
                version = 1 + max(
                    (int(str(k["version"])) for k in keys if k["purpose"] == purpose), default=0
                )
                secret = secrets.token_bytes(32)
                keys.append(self._record(purpose, version, secret))
                self._write(keys)
                log.info("generated key purpose=%s version=%d", purpose, version)
                return DataKey(purpose, version, secret)
            newest = max(live, key=lambda k: int(str(k["version"])))
        return self._load(newest)

    def live(self, purpose: str) -> list[DataKey]:
        """Every version of a purpose not destroyed yet, newest first (a rotation's grace period keeps
        the older ones live); generates the first on first use."""
        newest = self.current(purpose)
        older = [
            m.version
            for m in self.metas()
            if m.purpose == purpose and not m.destroyed and m.version != newest.version
        ]
        return [newest, *(self.get(purpose, v) for v in sorted(older, reverse=True))]

    def get(self, purpose: str, version: int) -> DataKey:
        for k in self._read():
            if k["purpose"] == purpose and int(str(k["version"])) == version:
                if k.get("destroyed"):
                    raise KeyringError(f"key {purpose} v{version} was destroyed")
                return self._load(k)
        raise KeyringError(f"no key {purpose} v{version}")

    def _record(
        self, purpose: str, version: int, secret: bytes, now: datetime | None = None
    ) -> dict[str, object]:
        return {
            "purpose": purpose,
            "version": version,
            "created_at": (now or _now()).isoformat(timespec="seconds"),
            "retire_after": None,
            "destroyed": False,
            "ciphertext": self._encrypt(purpose, version, secret),
        }

    def _load(self, k: Mapping[str, object]) -> DataKey:
        purpose, version = str(k["purpose"]), int(str(k["version"]))
        secret = self._decrypt(purpose, version, str(k["ciphertext"]))
        log.info("loaded key purpose=%s version=%d", purpose, version)
        return DataKey(purpose, version, secret)

    def rotate(self, purpose: str, grace: timedelta, now: datetime | None = None) -> DataKey:
        """Add a new version; older live versions retire after `grace`."""
        now = now or _now()
        with self._locked():
            keys = self._read()
            versions = [int(str(k["version"])) for k in keys if k["purpose"] == purpose]
            version = 1 + max(versions, default=0)
            retire = (now + grace).isoformat(timespec="seconds")
            for k in keys:
                if k["purpose"] == purpose and not k.get("destroyed") and k.get("retire_after") is None:
                    k["retire_after"] = retire
            secret = secrets.token_bytes(32)
            keys.append(self._record(purpose, version, secret, now))
            self._write(keys)
        log.info("rotated key purpose=%s new_version=%d", purpose, version)
        return DataKey(purpose, version, secret)

    def destroy_retired(self, now: datetime | None = None) -> list[tuple[str, int]]:
        """Wipe keys past their grace period; returns (purpose, version) destroyed."""
        now = now or _now()
        done: list[tuple[str, int]] = []
        with self._locked():
            keys = self._read()
            for k in keys:
                retire = k.get("retire_after")
                if k.get("destroyed") or retire is None:
                    continue
                if datetime.fromisoformat(str(retire)) <= now:
                    k["destroyed"] = True
                    k["ciphertext"] = ""
                    done.append((str(k["purpose"]), int(str(k["version"]))))
            if done:
                self._write(keys)
        for purpose, version in done:
            log.info("destroyed key purpose=%s version=%d", purpose, version)
        return done


class CurrentKeys:
    """The newest live key of each purpose, for a process that asks again and again (the collector
    reloads the partners' keys every few seconds): the key file's metadata is read each time, but a key
    is decrypted, and its use logged, only when its newest version changed."""

    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring
        self._keys: dict[str, DataKey] = {}

    def secrets(self, purposes: list[str]) -> dict[str, bytes]:
        newest: dict[str, int] = {}
        for m in self._ring.metas():
            if not m.destroyed and m.version > newest.get(m.purpose, 0):
                newest[m.purpose] = m.version
        out = {}
        for purpose in purposes:
            key = self._keys.get(purpose)
            if key is None or newest.get(purpose) != key.version:
                key = self._keys[purpose] = self._ring.current(purpose)
            out[purpose] = key.secret
        return out
