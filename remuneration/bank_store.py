"""The cinemas' bank details in the control plane's database (table: controlplane/schema.py
`bank_accounts`, migration 10), encrypted at rest.

Holder, IBAN and BIC are one JSON document sealed with AES-256-GCM under the key ring's
`bank-details` data key (`config/keyring.py`, itself encrypted under the master key); the row keeps
the key's version, the nonce and the ciphertext, and the IBAN masked for listings. The associated
data is the cinema's CNC number (and the format), so a blob copied to another cinema's row does not
decrypt. Reads decrypt on demand; `list` never decrypts.

Rotation. `KeyRing.rotate` retires the older versions, and the hourly `rotate-keys` job destroys
them after their grace: bank details still sealed under a destroyed version would be lost. So a
rotation of `bank-details` re-encrypts: `rekey` rotates and re-encrypts every row at once (`artaud
bank rekey`), and `reencrypt` (run by the `rotate-keys` job before it destroys anything, so also
after an `artaud keys rotate --purpose bank-details`) moves every row still under an older version to
the newest. The purpose has no rotation period (`config/rotation.py`): it rotates only when asked.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, RowMapping, select, update
from sqlalchemy.exc import IntegrityError

from artaud.config.keyring import KeyRing
from artaud.controlplane import schema
from artaud.errors import NotFound, Unavailable
from artaud.remuneration.bank import BankAccount, InvalidBankAccount

PURPOSE = "bank-details"
FORMAT = "artaud.bank/1"
_CNC_DIGITS = 7


class UnknownBankAccount(NotFound):
    code = "unknown_bank_account"


class SealedBankAccount(Unavailable):
    """A row that does not decrypt: its key version destroyed, the master key wrong, or the row
    tampered with (moved to another cinema)."""

    code = "bank_details_unreadable"


@dataclass(frozen=True)
class BankListing:
    """What a listing shows of a cinema's bank details: never the IBAN itself."""

    cinema_cnc: str
    iban_masked: str
    key_version: int
    updated_at: datetime
    updated_by: str


def cnc(raw: str) -> str:
    """A CNC number as the control plane stores it (7 digits, zero-padded), or InvalidBankAccount."""
    value = raw.strip()
    if not re.fullmatch(r"[0-9]{1,7}", value):
        raise InvalidBankAccount({"cinema": f"a CNC number of 1 to 7 digits, got {raw.strip()[:20]!r}"})
    return value.zfill(_CNC_DIGITS)


def _aad(cinema: str) -> bytes:
    return f"{FORMAT}:{cinema}".encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class BankStore:
    def __init__(self, engine: Engine, ring: KeyRing) -> None:
        self.engine = engine
        self.ring = ring

    # -- writing ------------------------------------------------------------------------------------
    def set(self, cinema_cnc: str, account: BankAccount, by: str, at: datetime | None = None) -> BankListing:
        """Record (or replace) a cinema's bank details, sealed under the newest key. The cinema must
        exist; `by` names the person who typed them."""
        cinema = cnc(cinema_cnc)
        who = " ".join(by.split())
        if not who or len(who) > 200:
            raise InvalidBankAccount({"by": "the name of who records the details (1 to 200 characters)"})
        when = (at or datetime.now(UTC)).astimezone(UTC)
        c = schema.cinemas
        b = schema.bank_accounts
        with self.engine.begin() as conn:
            if conn.execute(select(c.c.cnc_id).where(c.c.cnc_id == cinema)).first() is None:
                raise InvalidBankAccount({"cinema": f"no cinema {cinema} (artaud cinemas add first)"})
            sealed = self._seal(cinema, account)
            row = {**sealed, "updated_at": when, "updated_by": who}
            done = conn.execute(update(b).where(b.c.cinema_cnc == cinema).values(**row))
            if done.rowcount == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(b.insert().values(cinema_cnc=cinema, **row))
                except IntegrityError:  # recorded at the same moment by another command: ours wins
                    conn.execute(update(b).where(b.c.cinema_cnc == cinema).values(**row))
        return BankListing(cinema, account.iban_masked, sealed["key_version"], when, who)

    def _seal(self, cinema: str, account: BankAccount) -> dict[str, Any]:
        key = self.ring.current(PURPOSE)
        plain = json.dumps(
            {"holder": account.holder, "iban": account.iban, "bic": account.bic},
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(key.secret).encrypt(nonce, plain, _aad(cinema))
        return {
            "key_version": key.version,
            "nonce": _b64(nonce),
            "ciphertext": _b64(sealed),
            "iban_masked": account.iban_masked,
        }

    # -- reading ------------------------------------------------------------------------------------
    def get(self, cinema_cnc: str) -> BankAccount | None:
        """A cinema's bank details, decrypted; None when none were recorded."""
        cinema = cnc(cinema_cnc)
        b = schema.bank_accounts
        with self.engine.connect() as conn:
            row = conn.execute(select(b).where(b.c.cinema_cnc == cinema)).first()
        return None if row is None else self._open(cinema, row._mapping)

    def require(self, cinema_cnc: str) -> BankAccount:
        found = self.get(cinema_cnc)
        if found is None:
            raise UnknownBankAccount(f"no bank details for cinema {cnc(cinema_cnc)}")
        return found

    def list(self) -> list[BankListing]:
        """Every cinema's bank details as listings show them (masked), by CNC number; decrypts none."""
        b = schema.bank_accounts
        with self.engine.connect() as conn:
            rows = conn.execute(select(b).order_by(b.c.cinema_cnc)).all()
        return [
            BankListing(r.cinema_cnc, r.iban_masked, int(r.key_version), _utc(r.updated_at), r.updated_by)
            for r in rows
        ]

    def _open(self, cinema: str, m: RowMapping) -> BankAccount:
        version = int(m["key_version"])
        key = self.ring.get(PURPOSE, version)  # KeyringError when destroyed
        try:
            plain = AESGCM(key.secret).decrypt(
                base64.b64decode(m["nonce"]), base64.b64decode(m["ciphertext"]), _aad(cinema)
            )
        except (InvalidTag, ValueError) as exc:
            raise SealedBankAccount(
                f"the bank details of cinema {cinema} do not decrypt (key v{version}): "
                "tampered with or moved from another cinema"
            ) from exc
        data = json.loads(plain)
        return BankAccount(data["holder"], data["iban"], data["bic"])

    # -- rotation -----------------------------------------------------------------------------------
    def reencrypt(self) -> int:
        """Seal again under the newest key every row still under an older version; returns how many.
        Each row is re-read and rewritten in one transaction, only if it was not changed meanwhile."""
        newest = self.ring.current(PURPOSE).version
        b = schema.bank_accounts
        with self.engine.connect() as conn:
            stale = conn.execute(
                select(b.c.cinema_cnc).where(b.c.key_version != newest).order_by(b.c.cinema_cnc)
            ).all()
        done = 0
        for (cinema,) in stale:
            with self.engine.begin() as conn:
                done += self._reseal(conn, cinema, newest)
        return done

    def _reseal(self, conn: Connection, cinema: str, newest: int) -> int:
        b = schema.bank_accounts
        row = conn.execute(select(b).where(b.c.cinema_cnc == cinema)).first()
        if row is None or int(row.key_version) == newest:
            return 0
        account = self._open(cinema, row._mapping)
        res = conn.execute(
            update(b)
            .where(b.c.cinema_cnc == cinema, b.c.key_version == row.key_version, b.c.nonce == row.nonce)
            .values(**self._seal(cinema, account))
        )
        return int(res.rowcount)

    def rekey(self, grace: timedelta = timedelta(days=1)) -> tuple[int, int]:
        """Rotate the bank-details key and re-encrypt every row under the new version at once; the
        older versions are destroyed after `grace` by the `rotate-keys` job, when no row needs them.
        Returns (the new version, rows re-encrypted)."""
        key = self.ring.rotate(PURPOSE, grace)
        return key.version, self.reencrypt()

    def versions_in_use(self) -> frozenset[int]:
        """The key versions the rows are sealed under (after `reencrypt`: the newest alone)."""
        b = schema.bank_accounts
        with self.engine.connect() as conn:
            return frozenset(int(v) for (v,) in conn.execute(select(b.c.key_version).distinct()))
