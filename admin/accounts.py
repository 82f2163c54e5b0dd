"""The console's accounts in the control plane (migration 11): created from the command line with a
one-time setup link, a password hashed with Argon2id, a TOTP secret sealed under the key ring
(required for admin and finance), a lockout after repeated failures, disabled rather than deleted."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from artaud.admin import passwords, totp
from artaud.admin.lockout import LockoutPolicy, locked
from artaud.admin.roles import ROLES, TOTP_REQUIRED
from artaud.config.keyring import KeyRing
from artaud.controlplane import schema
from artaud.errors import Conflict, InvalidFields, NotFound, Unavailable

LOGIN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
TOTP_PURPOSE = "console-totp"


class InvalidAccount(InvalidFields):
    code = "invalid_account"


class UnknownAccount(NotFound):
    code = "unknown_account"


class AccountConflict(Conflict):
    code = "account_conflict"


class SealedSecret(Unavailable):
    code = "totp_unreadable"


@dataclass(frozen=True)
class Account:
    id: int
    login: str
    name: str
    role: str
    cinema_cnc: str | None
    has_password: bool
    totp_enabled: bool
    disabled: bool
    locked_until: datetime | None

    @property
    def needs_totp(self) -> bool:
        return self.role in TOTP_REQUIRED


class Refused(Exception):
    """A sign-in refused; `reason` is for the audit log and tests, never shown (the page says one thing
    for every refusal, so it tells no one which logins exist)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class AccountStore:
    def __init__(self, engine: Engine, ring: KeyRing, lockout: LockoutPolicy, setup_hours: int) -> None:
        self.engine, self.ring, self.lockout = engine, ring, lockout
        self.setup_life = timedelta(hours=setup_hours)

    # -- reading --------------------------------------------------------------------------------
    @staticmethod
    def _account(m: Any) -> Account:
        return Account(
            id=int(m["id"]),
            login=m["login"],
            name=m["name"],
            role=m["role"],
            cinema_cnc=m["cinema_cnc"],
            has_password=m["password_hash"] is not None,
            totp_enabled=bool(m["totp_enabled"]),
            disabled=bool(m["disabled"]),
            locked_until=_utc(m["locked_until"]),
        )

    def _row(self, **where: Any) -> Any:
        u = schema.console_users
        q = select(u)
        for column, value in where.items():
            q = q.where(u.c[column] == value)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return None if row is None else row._mapping

    def get(self, user_id: int) -> Account | None:
        row = self._row(id=user_id)
        return None if row is None else self._account(row)

    def by_login(self, login: str) -> Account | None:
        row = self._row(login=login.strip().lower())
        return None if row is None else self._account(row)

    def list(self) -> list[Account]:
        u = schema.console_users
        with self.engine.connect() as conn:
            rows = conn.execute(select(u).order_by(u.c.login)).all()
        return [self._account(r._mapping) for r in rows]

    # -- the TOTP secret, sealed ---------------------------------------------------------------
    def _seal(self, login: str, secret: str) -> str:
        key = self.ring.current(TOTP_PURPOSE)
        nonce = os.urandom(12)
        box = AESGCM(key.secret).encrypt(nonce, secret.encode(), login.encode())
        return f"{key.version}.{nonce.hex()}.{box.hex()}"

    def _open(self, login: str, sealed: str) -> str:
        try:
            version, nonce, box = sealed.split(".")
            key = self.ring.get(TOTP_PURPOSE, int(version))
            return (
                AESGCM(key.secret).decrypt(bytes.fromhex(nonce), bytes.fromhex(box), login.encode()).decode()
            )
        except (ValueError, InvalidTag) as exc:
            raise SealedSecret(f"the TOTP secret of {login!r} cannot be read") from exc

    def totp_secret(self, account: Account) -> str | None:
        row = self._row(id=account.id)
        return (
            None
            if row is None or row["totp_sealed"] is None
            else self._open(account.login, row["totp_sealed"])
        )

    # -- creating and setting up ---------------------------------------------------------------
    def add(
        self, login: str, name: str, role: str, cinema_cnc: str | None, by: str, now: datetime
    ) -> tuple[Account, str]:
        """A new account without a password, and the token of its one-time setup link."""
        problems: dict[str, str] = {}
        login = login.strip().lower()
        if not LOGIN.fullmatch(login):
            problems["login"] = "2 to 64 of a-z 0-9 . _ - starting with a letter or digit"
        name = " ".join(name.split())
        if not name or len(name) > 200 or not name.isprintable():
            problems["name"] = "required, one line, at most 200 characters"
        if role not in ROLES:
            problems["role"] = f"one of {', '.join(ROLES)}"
        cnc = (cinema_cnc or "").strip()
        if role == "cinema":
            c = schema.cinemas
            with self.engine.connect() as conn:
                known = cnc and conn.execute(select(c.c.cnc_id).where(c.c.cnc_id == cnc.zfill(7))).first()
            if not known:
                problems["cinema"] = "a cinema user needs the CNC number of a registered cinema"
            cnc = cnc.zfill(7)
        elif cnc:
            problems["cinema"] = "only a cinema user is tied to a cinema"
        if problems:
            raise InvalidAccount(problems)
        token = secrets.token_urlsafe(32)
        values: dict[str, Any] = {
            "login": login,
            "name": name,
            "role": role,
            "cinema_cnc": cnc or None,
            "setup_hash": digest(token),
            "setup_expires_at": now + self.setup_life,
            "totp_enabled": False,
            "failed_logins": 0,
            "disabled": False,
            "created_at": now,
            "created_by": by,
        }
        if role in TOTP_REQUIRED:  # enrolled on the setup page, with the first password
            values["totp_sealed"] = self._seal(login, totp.new_secret())
        try:
            with self.engine.begin() as conn:
                conn.execute(schema.console_users.insert().values(**values))
        except IntegrityError:
            raise AccountConflict(f"login: an account {login!r} already exists") from None
        found = self.by_login(login)
        assert found is not None
        return found, token

    def reset(self, login: str, now: datetime) -> str:
        """A new setup link: the password is cleared (and the TOTP secret renewed where required);
        the caller revokes the account's sessions and tokens."""
        account = self.by_login(login)
        if account is None:
            raise UnknownAccount(f"no account {login!r}")
        token = secrets.token_urlsafe(32)
        values: dict[str, Any] = {
            "password_hash": None,
            "setup_hash": digest(token),
            "setup_expires_at": now + self.setup_life,
            "totp_enabled": False,
            "totp_sealed": self._seal(account.login, totp.new_secret()) if account.needs_totp else None,
            "totp_last_step": None,
            "failed_logins": 0,
            "locked_until": None,
        }
        with self.engine.begin() as conn:
            conn.execute(
                update(schema.console_users).where(schema.console_users.c.id == account.id).values(**values)
            )
        return token

    def set_disabled(self, login: str, disabled: bool) -> Account:
        account = self.by_login(login)
        if account is None:
            raise UnknownAccount(f"no account {login!r}")
        with self.engine.begin() as conn:
            conn.execute(
                update(schema.console_users)
                .where(schema.console_users.c.id == account.id)
                .values(disabled=disabled)
            )
        found = self.get(account.id)
        assert found is not None
        return found

    def by_setup_token(self, token: str, now: datetime) -> Account | None:
        row = self._row(setup_hash=digest(token))
        if row is None or row["disabled"]:
            return None
        expires = _utc(row["setup_expires_at"])
        if expires is None or now >= expires:
            return None
        return self._account(row)

    def complete_setup(self, token: str, password: str, code: str, now: datetime) -> Account:
        """Set the first password (and, where required, confirm the TOTP enrolment) with the setup
        link's token, once. InvalidAccount says what is wrong, in French, for the page."""
        account = self.by_setup_token(token, now)
        if account is None:
            raise InvalidAccount({"lien": "ce lien n'est plus valable : demandez-en un nouveau"})
        weak = passwords.weakness(password, account.login)
        if weak:
            raise InvalidAccount({"mot de passe": weak})
        values: dict[str, Any] = {
            "password_hash": passwords.hash_password(password),
            "setup_hash": None,
            "setup_expires_at": None,
            "failed_logins": 0,
            "locked_until": None,
        }
        if account.needs_totp:
            secret = self.totp_secret(account)
            step = totp.accepted_step(secret or "", code, now, None) if secret else None
            if step is None:
                raise InvalidAccount({"code": "le code à six chiffres de l'application ne correspond pas"})
            values.update(totp_enabled=True, totp_last_step=step)
        u = schema.console_users
        with self.engine.begin() as conn:
            done = conn.execute(
                update(u).where(u.c.id == account.id, u.c.setup_hash == digest(token)).values(**values)
            )
        if done.rowcount != 1:
            raise InvalidAccount({"lien": "ce lien n'est plus valable : demandez-en un nouveau"})
        found = self.get(account.id)
        assert found is not None
        return found

    def start_totp(self, account: Account) -> str:
        """A new TOTP secret for an account that chooses a second factor (confirmed by `confirm_totp`)."""
        if account.totp_enabled:
            raise AccountConflict("a second factor is already set: reset the account to change it")
        secret = totp.new_secret()
        with self.engine.begin() as conn:
            conn.execute(
                update(schema.console_users)
                .where(schema.console_users.c.id == account.id)
                .values(totp_sealed=self._seal(account.login, secret))
            )
        return secret

    def confirm_totp(self, account: Account, code: str, now: datetime) -> bool:
        secret = self.totp_secret(account)
        step = totp.accepted_step(secret, code, now, None) if secret else None
        if step is None or account.totp_enabled:
            return False
        with self.engine.begin() as conn:
            conn.execute(
                update(schema.console_users)
                .where(schema.console_users.c.id == account.id)
                .values(totp_enabled=True, totp_last_step=step)
            )
        return True

    # -- signing in ------------------------------------------------------------------------------
    def authenticate(self, login: str, password: str, code: str, now: datetime) -> Account:
        """The account, or Refused. The password is checked even for an unknown login (same work).

        Every attempt is counted before the password is checked, in one atomic statement, so
        attempts sent in parallel cannot slip between a read and a write: past `failures` attempts in
        a row the account is locked (even against the right password); a success resets the count.
        A TOTP code is accepted once: the step is claimed by a conditional write."""
        name = login.strip().lower()
        row = self._row(login=name) if LOGIN.fullmatch(name) else None
        if row is None:
            passwords.verify(None, password)
            raise Refused("unknown login")
        account = self._account(row)
        if account.disabled:
            passwords.verify(None, password)
            raise Refused("disabled")
        if locked(account.locked_until, now):
            passwords.verify(None, password)
            raise Refused("locked")
        u = schema.console_users
        with self.engine.begin() as conn:
            conn.execute(update(u).where(u.c.id == account.id).values(failed_logins=u.c.failed_logins + 1))
            attempt = int(conn.execute(select(u.c.failed_logins).where(u.c.id == account.id)).scalar_one())
            if attempt > self.lockout.failures:
                until = now + timedelta(minutes=self.lockout.minutes)
                conn.execute(
                    update(u).where(u.c.id == account.id).values(failed_logins=0, locked_until=until)
                )
        if attempt > self.lockout.failures:
            passwords.verify(None, password)
            raise Refused("locked now")
        if not passwords.verify(row["password_hash"], password):
            raise Refused("bad credentials")
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
        if passwords.needs_rehash(row["password_hash"]):
            values["password_hash"] = passwords.hash_password(password)
        if account.totp_enabled or account.needs_totp:
            secret = self.totp_secret(account)
            step = totp.accepted_step(secret, code, now, None) if secret else None
            if step is None:
                raise Refused("bad code")
            last = u.c.totp_last_step
            with self.engine.begin() as conn:
                claimed = conn.execute(
                    update(u)
                    .where(u.c.id == account.id, (last.is_(None)) | (last < step))
                    .values(totp_last_step=step, **values)
                )
            if claimed.rowcount != 1:
                raise Refused("code already used")
        else:
            with self.engine.begin() as conn:
                conn.execute(update(u).where(u.c.id == account.id).values(**values))
        found = self.get(account.id)
        assert found is not None
        return found

    def unlock(self, login: str) -> Account:
        account = self.by_login(login)
        if account is None:
            raise UnknownAccount(f"no account {login!r}")
        u = schema.console_users
        with self.engine.begin() as conn:
            conn.execute(update(u).where(u.c.id == account.id).values(failed_logins=0, locked_until=None))
        found = self.get(account.id)
        assert found is not None
        return found
