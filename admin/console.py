"""The console's security bundle built from the settings: account, session and token stores, the
audit log, the allowed Host values and the CSRF signing key (a key-ring secret)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import Engine

from artaud.admin.accounts import AccountStore
from artaud.admin.audit import AuditLog
from artaud.admin.guard import Console, hosts_for
from artaud.admin.lockout import LockoutPolicy
from artaud.admin.sessions import SessionStore
from artaud.admin.tokens import TokenStore
from artaud.config.keyring import KeyRing
from artaud.config.settings import Admin

SECRET_PURPOSE = "console-secret"  # noqa: S105 - a key-ring purpose name, not a secret


def accounts_of(engine: Engine, ring: KeyRing, a: Admin) -> AccountStore:
    return AccountStore(
        engine, ring, LockoutPolicy(a.account_lockout_failures, a.lockout_minutes), a.setup_link_hours
    )


def sessions_of(engine: Engine, a: Admin) -> SessionStore:
    return SessionStore(
        engine, timedelta(minutes=a.session_idle_minutes), timedelta(hours=a.session_absolute_hours)
    )


def make_console(engine: Engine, ring: KeyRing, a: Admin) -> Console:
    return Console(
        accounts=accounts_of(engine, ring, a),
        sessions=sessions_of(engine, a),
        tokens=TokenStore(engine),
        audit=AuditLog(engine),
        secret_key=ring.current(SECRET_PURPOSE).secret,
        allowed_hosts=hosts_for(a.host, a.port, a.allowed_hosts),
        client_lockout=LockoutPolicy(a.lockout_failures, a.lockout_minutes),
        secure_cookies=a.secure_cookies,
        public_scheme=urlsplit(a.public_url).scheme.lower() if a.public_url else "",
    )


def public_url(a: Admin) -> str:
    """The console's address as people type it (for setup links)."""
    return (a.public_url or f"http://{a.host}:{a.port}").rstrip("/")
