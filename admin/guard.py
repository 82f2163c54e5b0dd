"""Every request to the console passes here first (fail closed):

1. the `Host` header must name the console (its bound address, localhost, or `admin.allowed_hosts`):
   a page of another site reaching it through DNS rebinding is refused;
2. the route must declare who may call it (`page`, `api` or `public` below): an undeclared route is
   refused to everyone, so a new route cannot be forgotten;
3. pages know people by a session cookie (Secure, HttpOnly, SameSite=Strict), the JSON API by a bearer
   token; a page route never accepts a token, an API route never a cookie (so no ambient credential
   reaches the API, and CSRF cannot);
4. the account's role must be one the route allows; on a route that names a cinema (`tenant`), a
   cinema user reaches only its own (another cinema is "not found"); routes open to cinema users
   without a tenant show only the user's own things (its account, its home);
5. a state change from a page needs the form's CSRF token (Flask-WTF) and, when the browser says
   where the request comes from (`Origin`, else `Referer`), the console's own origin.

Every answer carries strict security headers (a CSP without inline script, frame-ancestors none, no
CORS header ever), and every signed-in action is written to the audit log (admin/audit.py) without
the client's address.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from flask import Flask, Response, g, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.wrappers import Response as BaseResponse

from artaud.admin.accounts import Account, AccountStore
from artaud.admin.audit import AuditLog
from artaud.admin.lockout import LockoutPolicy
from artaud.admin.sessions import SessionStore
from artaud.admin.throttle import FailureThrottle
from artaud.admin.tokens import TokenStore, prefix_of

ACCESS = "_artaud_access"
SECRET_ARGS = frozenset({"token"})  # route parameters that are secrets (the audit log writes "…")
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
REFUSED_TOKENS_PER_MINUTE = 10  # refused console tokens written to the audit log per client
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` on its own form
    # posts, and the origin check below could not tell them from a forged one
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Access:
    kind: str  # "public", "page" or "api"
    roles: frozenset[str] = frozenset()
    tenant: str | None = None  # the route parameter holding a CNC number a cinema user must own


def _declare(access: Access) -> Callable[[View], View]:
    def mark(view: View) -> View:
        setattr(view, ACCESS, access)
        return view

    return mark


def page(roles: frozenset[str], *, tenant: str | None = None) -> Callable[[View], View]:
    return _declare(Access("page", roles, tenant))


def api(roles: frozenset[str], *, tenant: str | None = None) -> Callable[[View], View]:
    return _declare(Access("api", roles, tenant))


def public(view: View) -> View:
    setattr(view, ACCESS, Access("public"))
    return view


def access_of(app: Flask, endpoint: str | None) -> Access | None:
    if endpoint is None:
        return None
    if endpoint == "static":
        return Access("public")
    view = app.view_functions.get(endpoint)
    return getattr(view, ACCESS, None)


@dataclass
class Console:
    """What the guard and the account pages need: the stores, the settings, a clock."""

    accounts: AccountStore
    sessions: SessionStore
    tokens: TokenStore
    audit: AuditLog
    secret_key: bytes
    allowed_hosts: frozenset[str]
    client_lockout: LockoutPolicy  # failures in a row to one account from one client (in memory)
    secure_cookies: bool = True
    public_scheme: str = ""  # the scheme of `admin.public_url` when set: state changes must use it
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @property
    def cookie(self) -> str:
        # __Host-: Secure, Path=/, no Domain: a sibling site cannot set or shadow it
        return "__Host-artaud-session" if self.secure_cookies else "artaud-session"

    def set_session_cookie(self, response: BaseResponse, token: str) -> None:
        """A browser-session cookie: the server ends the session (idle, absolute), not its expiry."""
        response.set_cookie(
            self.cookie,
            token,
            secure=self.secure_cookies,
            httponly=True,
            samesite="Strict",
            path="/",
        )


def hosts_for(bind_host: str, port: int, extra: list[str]) -> frozenset[str]:
    """The Host values the console answers: its address and localhost with the port, and the names
    the operator lists (as written, and with the port)."""
    names = {bind_host, "127.0.0.1", "localhost", "[::1]"}
    out = {f"{n}:{port}" for n in names} if port else set(names)
    for e in extra:
        e = e.strip().lower()
        if e:
            out |= {e, f"{e}:{port}"} if ":" not in e and port else {e}
    return frozenset(out)


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _origin_ok(console: Console) -> bool:
    """A state change's declared origin (Origin, else Referer) must be the console's own: one of its
    Host values, and, when `admin.public_url` is set, its scheme (a page served over plain http on
    the console's public name is not the console, even on the same name), loopback aside."""
    declared = request.headers.get("Origin") or request.headers.get("Referer")
    if declared is None:
        return True  # no browser header to judge by: the CSRF token decides
    parts = urlsplit(declared)  # `null` (an opaque origin: a sandbox, a data: page) is refused
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in console.allowed_hosts:
        return False
    pinned = console.public_scheme and (parts.hostname or "") not in LOOPBACK
    return not pinned or parts.scheme == console.public_scheme


def answer_error(status: int, code: str, message: str) -> Response:
    """An error as the caller reads it: JSON on the API (/api/…), a French page elsewhere."""
    if request.path.startswith("/api/"):
        answer = jsonify({"error": message, "code": code})
        answer.status_code = status
        return answer
    body = render_template("error.html", status=status, message=message)
    return Response(body, status=status, mimetype="text/html")


def install(app: Flask, console: Console) -> None:
    app.secret_key = console.secret_key
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # checked below, for page and public routes only
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session that carries it
        SESSION_COOKIE_NAME="__Host-artaud-csrf" if console.secure_cookies else "artaud-csrf",
        SESSION_COOKIE_SECURE=console.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        MAX_CONTENT_LENGTH=1 << 20,
    )
    csrf = CSRFProtect(app)
    refused_tokens = FailureThrottle(REFUSED_TOKENS_PER_MINUTE, clock=lambda: console.clock().timestamp())

    def refuse(status: int, code: str, message: str, kind: str) -> Response:
        if kind == "api":
            answer = jsonify({"error": message, "code": code})
            answer.status_code = status
            if status == 401:
                answer.headers["WWW-Authenticate"] = 'Bearer realm="artaud console"'
            return answer
        body = render_template("error.html", status=status, message=message)
        return Response(body, status=status, mimetype="text/html")

    @app.before_request
    def guard() -> BaseResponse | None:
        g.account = None
        if request.host.lower() not in console.allowed_hosts:
            return Response("Hôte non autorisé.\n", status=421, mimetype="text/plain")
        if request.method == "OPTIONS":
            return Response(status=405)  # no CORS: no preflight is ever answered
        if request.url_rule is None:
            return None  # 404 / 405, answered by Flask
        access = access_of(app, request.endpoint)
        if access is None:
            app.logger.error("route %s declares no access rule: refused", request.url_rule.rule)
            return refuse(403, "undeclared_route", "Accès refusé.", "page")
        now = console.clock()
        account: Account | None = None
        if access.kind == "api":
            header = request.headers.get("Authorization", "")
            user_id = console.tokens.user_of(header[7:], now) if header.startswith("Bearer ") else None
            presented = prefix_of(header[7:]) if header.startswith("Bearer ") else None
            if (
                user_id is None
                and presented is not None
                and refused_tokens.reserve(request.remote_addr or "") == 0
            ):
                # a console token that does not (or no longer) open the API: its prefix (never
                # the secret) is written down, so a leaked or revoked token's use can be traced;
                # at most REFUSED_TOKENS_PER_MINUTE a minute from one client (no log flooding)
                console.audit.record(
                    "",
                    "",
                    f"{request.method} {request.url_rule.rule}",
                    json.dumps(
                        {"token": presented, "refused": "jeton invalide, expiré ou révoqué"},
                        ensure_ascii=False,
                    ),
                    401,
                    now,
                )
        else:
            cookie = request.cookies.get(console.cookie)
            user_id = console.sessions.user_of(cookie, now) if cookie else None
        if user_id is not None:
            found = console.accounts.get(user_id)
            if found is not None and not found.disabled and found.has_password:
                account = found
        g.account = account
        if access.kind != "api" and request.method not in SAFE:
            if not _origin_ok(console):
                return refuse(403, "cross_origin", "Requête d'un autre site refusée.", access.kind)
            csrf.protect()  # CSRFError → 400, below
        if access.kind == "public":
            return None
        if account is None:
            if access.kind == "api":
                return refuse(
                    401, "unauthenticated", "send a console API token: Authorization: Bearer at_…", "api"
                )
            return redirect("/login?next=" + quote(request.full_path.rstrip("?"), safe="/?=&"), code=303)
        if account.role not in access.roles:
            return refuse(403, "forbidden", "Votre rôle ne permet pas cette action.", access.kind)
        if account.role == "cinema" and access.tenant is not None:
            # a route open to cinema users without a tenant shows only the user's own things
            # (its account, its home); one that names a cinema shows only the user's own
            owned = (request.view_args or {}).get(access.tenant)
            if owned is None or str(owned).zfill(7) != account.cinema_cnc:
                return refuse(404, "not_found", "Page introuvable.", access.kind)
        return None

    for status, message in (
        (404, "Page introuvable."),
        (405, "Méthode non permise ici."),
        (413, "Envoi trop volumineux."),
    ):

        def handler(_: Exception, status: int = status, message: str = message) -> Response:
            return answer_error(
                status, {404: "not_found", 405: "method_not_allowed", 413: "too_large"}[status], message
            )

        app.register_error_handler(status, handler)

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError) -> Response:
        return refuse(
            400, "csrf", "Formulaire expiré ou incomplet : rechargez la page et recommencez.", "page"
        )

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers.update(HEADERS)
        response.headers.pop("Access-Control-Allow-Origin", None)
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        account: Account | None = g.get("account")
        if request.endpoint != "static":
            # nothing the console answers is kept by a cache: pages with a setup secret included
            response.headers["Cache-Control"] = "no-store"
        if account is not None and request.endpoint != "static":
            # a one-time setup token is a secret: never written to the log
            objects = {k: ("…" if k in SECRET_ARGS else v) for k, v in (request.view_args or {}).items()}
            objects.update(g.get("audit_object") or {})  # what a view names it acted on
            console.audit.record(
                account.login,
                account.role,
                f"{request.method} {request.url_rule.rule if request.url_rule else request.path[:60]}",
                json.dumps(objects, ensure_ascii=False, sort_keys=True) if objects else "",
                response.status_code,
                console.clock(),
            )
        return response
