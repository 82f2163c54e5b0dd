"""`artaud users`: the console's accounts from the command line (the first admin is made here), each
command written to the console's audit log as `cli:<who>`.

    artaud users add --login L --name "Full Name" --role admin|operator|finance|auditor|cinema
                     [--cinema CNC] --by NAME          prints the one-time setup link
    artaud users list
    artaud users reset LOGIN --by NAME                 a new setup link; every session and token ends
    artaud users disable LOGIN --by NAME / enable LOGIN --by NAME
    artaud users token LOGIN [--days N] --by NAME      an API token for /api/v1, printed once
    artaud users logout-everywhere LOGIN --by NAME
    artaud users tokens LOGIN                          the account's API tokens (prefix, dates)
    artaud users revoke-token PREFIX --by NAME         ends one API token
    artaud users unlock LOGIN --by NAME                ends an account's lockout
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from artaud.errors import InvalidInput


def cmd_users(args: argparse.Namespace) -> int:
    from artaud import wiring
    from artaud.admin.accounts import UnknownAccount
    from artaud.admin.audit import AuditLog
    from artaud.admin.console import accounts_of, public_url, sessions_of
    from artaud.admin.roles import ROLES
    from artaud.admin.tokens import TokenStore
    from artaud.cli import settings_of

    settings = settings_of(args)
    cp = wiring.control(settings)
    cp.migrate()
    now = datetime.now(UTC)
    a = settings.admin
    try:
        accounts = accounts_of(cp.engine, wiring.keyring(settings), a)
        sessions, tokens, audit = sessions_of(cp.engine, a), TokenStore(cp.engine), AuditLog(cp.engine)
        by = getattr(args, "by", None) or ""
        if args.action not in ("list", "tokens") and not by.strip():
            raise InvalidInput("--by: who runs this command")

        def record(what: str, obj: str) -> None:
            audit.record(f"cli:{by.strip()}"[:64], "cli", f"users {what}", obj, 0, now)

        def account(login: str) -> Any:
            found = accounts.by_login(login)
            if found is None:
                raise UnknownAccount(f"no account {login!r}")
            return found

        if args.action == "add":
            made, token = accounts.add(args.login, args.name, args.role, args.cinema, by.strip(), now)
            record("add", f"{made.login} ({made.role})")
            print(
                f"account {made.login} ({ROLES[made.role]}) created; its one-time setup link, valid "
                f"{a.setup_link_hours} h:"
            )
            print(f"{public_url(a)}/setup/{token}")
        elif args.action == "list":
            for u in accounts.list():
                state = "disabled" if u.disabled else ("set up" if u.has_password else "setup pending")
                tenant = f" cinema {u.cinema_cnc}" if u.cinema_cnc else ""
                print(
                    f"{u.login:<24} {u.role:<9}{tenant:<15} {state:<14} TOTP {'on' if u.totp_enabled else 'off'}  {u.name}"
                )
        elif args.action == "reset":
            found = account(args.login)
            token = accounts.reset(found.login, now)
            closed = sessions.close_all(found.id, now)
            revoked = tokens.revoke_all(found.id, now)
            record("reset", found.login)
            print(
                f"{found.login}: password cleared, {closed} session(s) and {revoked} token(s) ended; new link:"
            )
            print(f"{public_url(a)}/setup/{token}")
        elif args.action in ("disable", "enable"):
            found = accounts.set_disabled(args.login, args.action == "disable")
            if found.disabled:
                sessions.close_all(found.id, now)
                tokens.revoke_all(found.id, now)
            record(args.action, found.login)
            print(f"{found.login}: {'disabled' if found.disabled else 'enabled'}")
        elif args.action == "token":
            found = account(args.login)
            if found.disabled or not found.has_password:
                raise InvalidInput(f"{found.login}: a token needs an account that is set up and not disabled")
            if not 1 <= args.days <= 366:
                raise InvalidInput("--days: 1 to 366")
            token = tokens.issue(found.id, timedelta(days=args.days), now)
            record("token", f"{found.login} ({args.days} days, prefix {token.split('_')[1]})")
            print(token)
        elif args.action == "tokens":
            found = account(args.login)
            for info in tokens.of(found.id):
                state = (
                    f"revoked {info.revoked_at:%Y-%m-%d %H:%M}"
                    if info.revoked_at
                    else ("expired" if info.expires_at <= now else "live")
                )
                print(
                    f"at_{info.prefix}_…  created {info.created_at:%Y-%m-%d %H:%M}  "
                    f"expires {info.expires_at:%Y-%m-%d %H:%M}  {state}"
                )
        elif args.action == "revoke-token":
            prefix = args.prefix.removeprefix("at_").split("_")[0]
            owner = tokens.revoke(prefix, now)
            if owner is None:
                raise InvalidInput(f"no live token with prefix {prefix!r}")
            found = accounts.get(owner)
            record("revoke-token", f"{found.login if found else owner} (prefix {prefix})")
            print(f"token at_{prefix}_… of {found.login if found else owner}: revoked")
        elif args.action == "unlock":
            found = accounts.unlock(args.login)
            record("unlock", found.login)
            print(f"{found.login}: unlocked")
        elif args.action == "logout-everywhere":
            found = account(args.login)
            closed = sessions.close_all(found.id, now)
            record("logout-everywhere", found.login)
            print(f"{found.login}: {closed} session(s) ended")
    finally:
        cp.close()
    return 0


def register(sub: Any) -> None:
    from artaud.admin.roles import ROLES

    us = sub.add_parser(
        "users", help="the console's accounts: add (prints a setup link), list, reset, tokens"
    )
    us_sub = us.add_subparsers(dest="action", required=True)
    ua = us_sub.add_parser("add", help="create an account and print its one-time setup link")
    ua.add_argument("--login", required=True)
    ua.add_argument("--name", required=True)
    ua.add_argument("--role", required=True, choices=tuple(ROLES))
    ua.add_argument("--cinema", help="a cinema user's CNC number")
    ua.add_argument("--by", required=True, help="who creates it")
    us_sub.add_parser("list")
    for action, text in (
        ("reset", "clear the password and print a new setup link; end every session and token"),
        ("disable", "refuse the account everywhere (its sessions and tokens end)"),
        ("enable", "accept the account again"),
        ("logout-everywhere", "end every session of the account"),
        ("unlock", "end a lockout after failed sign-ins (the password stays)"),
    ):
        p = us_sub.add_parser(action, help=text)
        p.add_argument("login")
        p.add_argument("--by", required=True)
    us_sub.add_parser("tokens", help="an account's API tokens: prefix, dates, state").add_argument("login")
    rt = us_sub.add_parser("revoke-token", help="end one API token, named by its prefix (at_xxxx…)")
    rt.add_argument("prefix")
    rt.add_argument("--by", required=True)
    ut = us_sub.add_parser("token", help="an API token for the console's JSON API, printed once")
    ut.add_argument("login")
    ut.add_argument("--days", type=int, default=30)
    ut.add_argument("--by", required=True)
    us.set_defaults(func=cmd_users)
