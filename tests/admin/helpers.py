"""A console for the tests: its real security bundle over a real control plane, a clock the test
moves, accounts of every role made through the setup link, and sign-ins through the login form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp

from artaud.admin.accounts import Account, AccountStore
from artaud.admin.audit import AuditLog
from artaud.admin.guard import Console, hosts_for
from artaud.admin.lockout import LockoutPolicy
from artaud.admin.sessions import SessionStore
from artaud.admin.tokens import TokenStore
from artaud.config.keyring import KeyRing
from artaud.controlplane.store import ControlPlane

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m[1]


@dataclass
class Kit:
    cp: ControlPlane
    console: Console
    clock: Clock
    app: Any = None
    wh: Any = None  # the console's warehouse
    secrets: dict[str, str] = field(default_factory=dict)  # login -> TOTP secret

    @property
    def accounts(self) -> AccountStore:
        return self.console.accounts

    def account(self, login: str, role: str, cinema: str | None = None) -> Account:
        """An account set up through its link (with its TOTP enrolled where the role requires it)."""
        made, link = self.accounts.add(login, login.title(), role, cinema, "tests", self.clock())
        code = ""
        if made.needs_totp:
            secret = self.accounts.totp_secret(made)
            assert secret
            self.secrets[login] = secret
            code = pyotp.TOTP(secret).at(self.clock())
        return self.accounts.complete_setup(link, PASSWORD, code, self.clock())

    def code(self, login: str, later: int = 0) -> str:
        return pyotp.TOTP(self.secrets[login]).at(self.clock() + timedelta(seconds=30 * later))

    def token(self, login: str) -> dict[str, str]:
        found = self.accounts.by_login(login)
        assert found is not None
        return {
            "Authorization": "Bearer " + self.console.tokens.issue(found.id, timedelta(days=1), self.clock())
        }

    def login(self, client: Any, login: str, password: str = PASSWORD, code: str | None = None) -> Any:
        page = client.get("/login").get_data(as_text=True)
        if code is None:
            code = self.code(login) if login in self.secrets else ""
        form = {"csrf_token": csrf_of(page), "login": login, "password": password, "code": code, "next": "/"}
        return client.post("/login", data=form)

    def browser(self, login: str) -> Any:
        self.clock.advance(seconds=31)  # a TOTP code is accepted once: each sign-in on the next step
        client = self.app.test_client()
        answer = self.login(client, login)
        assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
        return client

    def form(self, client: Any, page: str) -> dict[str, str]:
        """The CSRF token of a page the client has open (as a browser would post it)."""
        return {"csrf_token": csrf_of(client.get(page).get_data(as_text=True))}


def make_kit(cp: ControlPlane, tmp: Path) -> Kit:
    clock = Clock()
    console = Console(
        accounts=AccountStore(cp.engine, KeyRing(tmp / "secrets"), LockoutPolicy(50, 15), 24),
        sessions=SessionStore(cp.engine, timedelta(minutes=30), timedelta(hours=12)),
        tokens=TokenStore(cp.engine),
        audit=AuditLog(cp.engine),
        secret_key=b"k" * 32,
        allowed_hosts=hosts_for("localhost", 0, []),
        client_lockout=LockoutPolicy(5, 15),
        secure_cookies=False,
        clock=clock,
    )
    return Kit(cp, console, clock)
