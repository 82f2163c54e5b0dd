"""An API token for the console's JSON API, for the devkit's own tools (the simulator, the test
harness): a service account (`devkit`, role operator) set up with a random password nobody knows,
and a token of one day. Whoever can run this can already read the data directory; nothing is
bypassed: the token goes through the same guard as any other (admin/guard.py)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from artaud import wiring
from artaud.admin.audit import AuditLog
from artaud.admin.console import accounts_of
from artaud.admin.tokens import TokenStore
from artaud.config.settings import Settings, load

LOGIN = "devkit"


def service_token(settings: Settings, days: int = 1) -> str:
    cp = wiring.control(settings)
    try:
        cp.migrate()
        accounts = accounts_of(cp.engine, wiring.keyring(settings), settings.admin)
        now = datetime.now(UTC)
        account = accounts.by_login(LOGIN)
        if account is not None and account.role != "operator":
            raise SystemExit(f"an account {LOGIN!r} exists with the role {account.role}: not the devkit's")
        if account is None or not account.has_password:
            if account is None:
                _, link = accounts.add(LOGIN, "Outils de développement", "operator", None, "devkit", now)
            else:
                link = accounts.reset(LOGIN, now)
            account = accounts.complete_setup(link, secrets.token_urlsafe(24), "", now)
        if account.disabled:
            raise SystemExit(f"the {LOGIN} account is disabled: artaud users enable {LOGIN} --by NAME")
        token = TokenStore(cp.engine).issue(account.id, timedelta(days=days), now)
        AuditLog(cp.engine).record(
            "cli:devkit", "cli", "devkit token", f"{LOGIN} (prefix {token.split('_')[1]})", 0, now
        )
        return token
    finally:
        cp.close()


def reader_password(settings: Settings, login: str = "devkit-reader") -> str:
    """A read-only staff account (auditor) for the devkit's page checks, with a fresh random
    password (set up anew on each call: the previous password stops working)."""
    cp = wiring.control(settings)
    try:
        cp.migrate()
        accounts = accounts_of(cp.engine, wiring.keyring(settings), settings.admin)
        now = datetime.now(UTC)
        found = accounts.by_login(login)
        if found is not None and found.role != "auditor":
            raise SystemExit(f"an account {login!r} exists with the role {found.role}: not the devkit's")
        if found is None:
            _, link = accounts.add(login, "Lecture (outils de développement)", "auditor", None, "devkit", now)
        else:
            link = accounts.reset(login, now)
        password = secrets.token_urlsafe(24)
        accounts.complete_setup(link, password, "", now)
        AuditLog(cp.engine).record("cli:devkit", "cli", "devkit reader", login, 0, now)
        return password
    finally:
        cp.close()


def main() -> None:
    """Print a token for the settings of the environment (as `artaud` reads them); with `reader`,
    the password of the devkit's read-only account instead."""
    import sys

    settings = load()
    print(reader_password(settings) if sys.argv[1:] == ["reader"] else service_token(settings))


if __name__ == "__main__":
    main()
