"""The console's account pages, in French: sign in (password, and the TOTP code where set), sign out,
sign out everywhere, the one-time setup link, a second factor chosen by a role that does not require
it, and the audit log for the auditor. Sign-in attempts are also throttled per client, and failures
to one account from one client lock that client out of that account (`admin.lockout_failures`), in
memory (nothing about the client is stored): someone who knows a login cannot lock its owner out;
guessing spread over many clients still locks the account itself (admin/accounts.py)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, g, redirect, render_template, request, session

from artaud.admin import totp
from artaud.admin.accounts import InvalidAccount, Refused
from artaud.admin.guard import Console, page, public
from artaud.admin.roles import AUDIT, EVERYONE, ROLES
from artaud.admin.throttle import FailureThrottle

FAILURES_PER_MINUTE = 10  # failed sign-ins per client address a minute, then wait


NEXT = re.compile(r"/(?!/)[A-Za-z0-9/_.~%?=&-]*")


def _next(raw: str | None) -> str:
    """Where to go after signing in: a path of this console only (never another site: no scheme, no
    host, no `//`, no backslash, no whitespace or control character a browser would strip)."""
    if not raw or not NEXT.fullmatch(raw):
        return "/"
    return raw


def register_account_views(app: Flask, console: Console) -> None:
    def seconds() -> float:
        return console.clock().timestamp()

    throttle = FailureThrottle(FAILURES_PER_MINUTE, clock=seconds)
    policy = console.client_lockout
    pairs = FailureThrottle(policy.failures, window=60.0 * policy.minutes, clock=seconds)

    @app.route("/login", methods=["GET", "POST"])
    @public
    def login() -> Any:
        if request.method == "GET":
            return render_template("login.html", next=_next(request.args.get("next")), error=None)
        client = request.remote_addr or ""  # kept in memory for a minute, never stored
        wait = throttle.reserve(client)  # counted now: guesses sent in parallel are all counted
        if wait > 0:
            body = render_template(
                "login.html", next="/", error="Trop de tentatives : réessayez dans une minute."
            )
            return Response(
                body, status=429, mimetype="text/html", headers={"Retry-After": str(int(wait) + 1)}
            )
        login_name = request.form.get("login", "")[:64]
        now = console.clock()
        pair = f"{login_name.strip().lower()}\n{client}"
        try:
            if pairs.reserve(pair) > 0:  # this client's run of failures on this account
                raise Refused("locked for this client")
            account = console.accounts.authenticate(
                login_name, request.form.get("password", "")[:256], request.form.get("code", "")[:12], now
            )
        except Refused as refused:
            known = console.accounts.by_login(login_name) if refused.reason != "unknown login" else None
            console.audit.record(
                known.login if known else "",
                known.role if known else "",
                "POST /login",
                f"refused: {refused.reason}" if known else "refused: unknown login",
                401,
                now,
            )
            body = render_template(
                "login.html",
                next=_next(request.form.get("next")),
                error="Identifiant, mot de passe ou code incorrect, ou compte verrouillé.",
            )
            return Response(body, status=401, mimetype="text/html")
        throttle.refund(client)
        pairs.clear(pair)
        # a new session, never the one the browser came with (no fixation); the old one ends
        previous = request.cookies.get(console.cookie)
        if previous:
            console.sessions.close(previous, now)
        session.clear()
        token = console.sessions.open(account.id, now)
        console.audit.record(account.login, account.role, "POST /login", "", 303, now)
        answer = redirect(_next(request.form.get("next")), code=303)
        console.set_session_cookie(answer, token)
        return answer

    @app.post("/logout")
    @page(EVERYONE)
    def logout() -> Any:
        cookie = request.cookies.get(console.cookie)
        if cookie:
            console.sessions.close(cookie, console.clock())
        session.clear()
        answer = redirect("/login", code=303)
        answer.delete_cookie(console.cookie, path="/", secure=console.secure_cookies, samesite="Strict")
        return answer

    @app.post("/account/logout-everywhere")
    @page(EVERYONE)
    def logout_everywhere() -> Any:
        console.sessions.close_all(g.account.id, console.clock())
        answer = redirect("/login", code=303)
        answer.delete_cookie(console.cookie, path="/", secure=console.secure_cookies, samesite="Strict")
        return answer

    @app.get("/account")
    @page(EVERYONE)
    def account_page() -> Any:
        return render_template("account.html", account=g.account, roles=ROLES, enrol=None, message=None)

    @app.post("/account/totp")
    @page(EVERYONE)
    def totp_start() -> Any:
        secret = console.accounts.start_totp(g.account)
        uri = totp.provisioning_uri(secret, g.account.login)
        enrol = {"secret": secret, "qr": totp.qr_data_uri(uri)}
        return render_template("account.html", account=g.account, roles=ROLES, enrol=enrol, message=None)

    @app.post("/account/totp/confirm")
    @page(EVERYONE)
    def totp_confirm() -> Any:
        done = console.accounts.confirm_totp(g.account, request.form.get("code", "")[:12], console.clock())
        account = console.accounts.get(g.account.id)
        message = "Second facteur activé." if done else "Code incorrect : recommencez l'activation."
        status = 200 if done else 400
        body = render_template("account.html", account=account, roles=ROLES, enrol=None, message=message)
        return Response(body, status=status, mimetype="text/html")

    @app.route("/setup/<token>", methods=["GET", "POST"])
    @public
    def setup(token: str) -> Any:
        now = console.clock()
        account = console.accounts.by_setup_token(token[:100], now)
        if account is None:
            body = render_template(
                "error.html", status=404, message="Ce lien n'est plus valable : demandez-en un nouveau."
            )
            return Response(body, status=404, mimetype="text/html")
        enrol = None
        if account.needs_totp:
            secret = console.accounts.totp_secret(account) or ""
            enrol = {"secret": secret, "qr": totp.qr_data_uri(totp.provisioning_uri(secret, account.login))}
        if request.method == "GET":
            return render_template("setup.html", account=account, enrol=enrol, errors={})
        password = request.form.get("password", "")[:300]
        errors: dict[str, str] = {}
        if password != request.form.get("confirm", "")[:300]:
            errors["confirmation"] = "les deux mots de passe diffèrent"
        else:
            try:
                done = console.accounts.complete_setup(
                    token[:100], password, request.form.get("code", "")[:12], now
                )
            except InvalidAccount as exc:
                errors = dict(exc.problems)
            else:
                console.audit.record(done.login, done.role, "POST /setup", "password set", 303, now)
                return redirect("/login?setup=ok", code=303)
        body = render_template("setup.html", account=account, enrol=enrol, errors=errors)
        return Response(body, status=400, mimetype="text/html")

    @app.get("/audit")
    @page(AUDIT)
    def audit_page() -> Any:
        return render_template("audit.html", entries=console.audit.entries(300))
