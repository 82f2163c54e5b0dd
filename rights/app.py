"""The page « Vos données d'audience » and its JSON endpoints (Flask, served by the supervisor with
waitress on `rights.port`: `runtime/service.py`).

    GET  /                the page (French, English on a toggle; its script and style are files:
                          the Content-Security-Policy allows no inline script or style)
    POST /api/summary     what is held (`holdings.py`), as JSON
    POST /api/download    the same, as a JSON attachment (portability)
    POST /api/withdraw    consent withdrawn: the person's pseudonyms are suppressed (`actions.py`)
    POST /api/erase       erasure, with `"confirm": true` (the page asks first)

Each POST carries the ticket the collector sealed for this browser's id (`POST /c/r`); the page
takes it from its address's fragment, which no server or log sees. Answers depend on the ticket's
pseudonyms alone. Rate-limited per client address (in memory, never stored); nothing a visitor sends
is logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from artaud.collector.rights_limit import AddressLimit
from artaud.collector.rights_ticket import Ticket, open_ticket
from artaud.controlplane.store import ControlPlane
from artaud.errors import ArtaudError
from artaud.rights.actions import erase_for_visitor, withdraw
from artaud.rights.body import BadRightsRequest, RightsRequest, parse_body
from artaud.rights.holdings import holdings
from artaud.warehouse.backend import Warehouse

log = logging.getLogger("artaud.rights")
UNAVAILABLE = "Le service est momentanément indisponible : réessayez plus tard. / The service is unavailable: try again later."
SECURITY = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}
FILES = {
    "/": ("page.html", "text/html; charset=utf-8"),
    "/page.js": ("page.js", "application/javascript; charset=utf-8"),
    "/page.css": ("page.css", "text/css; charset=utf-8"),
}


class ErasureNotConfirmed(BadRightsRequest):
    code = "erasure_not_confirmed"


class TooManyRightsRequests(ArtaudError):
    code = "rights_rate_limited"
    status = 429


def _json(doc: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(doc, ensure_ascii=False, indent=1)
    return Response(body, status=status, mimetype="application/json", headers=dict(headers or {}))


def create_rights_app(
    wh: Warehouse,
    ticket_key: Callable[[], bytes],
    *,
    cinema_names: Callable[[], Mapping[int, str]] = dict,
    per_minute: int = 20,
    cp: ControlPlane,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Flask:
    app = Flask("artaud.rights", static_folder=None)
    limit = AddressLimit(per_minute, lambda: clock().timestamp())
    static = resources.files("artaud.rights").joinpath("static")
    files = {path: (static.joinpath(name).read_bytes(), ctype) for path, (name, ctype) in FILES.items()}

    @app.after_request
    def secure(res: Response) -> Response:
        for name, value in SECURITY.items():
            res.headers.setdefault(name, value)
        return res

    @app.errorhandler(ArtaudError)
    def refused(err: ArtaudError) -> Response:
        if err.status >= 500:  # the detail (hosts, SQL) is the log's, never a visitor's
            log.warning("rights page: %s unavailable (%s)", err.code, type(err).__name__)
            return _json({"error": "unavailable", "message": UNAVAILABLE}, 503)
        return _json({"error": err.code, "message": err.message}, err.status)

    @app.errorhandler(Exception)
    def failed(err: Exception) -> Response:
        if isinstance(err, HTTPException):
            return _json(
                {"error": "bad_request", "message": "not a request this page answers"}, err.code or 400
            )
        # only the exception's type: its text or traceback may quote a query's parameters
        log.error("rights page: unexpected %s", type(err).__name__)
        return _json({"error": "unavailable", "message": UNAVAILABLE}, 503)

    @app.errorhandler(404)
    def not_found(_: Any) -> Response:
        return _json({"error": "not_found", "message": "no such page"}, 404)

    @app.errorhandler(405)
    def not_allowed(_: Any) -> Response:
        return _json({"error": "method_not_allowed", "message": "not with this method"}, 405)

    def files_route(path: str) -> Callable[[], Response]:
        def serve() -> Response:
            body, ctype = files[path]
            return Response(body, mimetype=None, headers={"Content-Type": ctype})

        return serve

    for path in FILES:
        app.add_url_rule(path, f"file{path}", files_route(path), methods=["GET"])

    def ticket() -> tuple[Ticket, RightsRequest, datetime]:
        if not limit.allow(request.remote_addr or ""):
            raise TooManyRightsRequests("too many requests from this address: try again in a minute")
        body = parse_body(request.get_data(cache=False))
        now = clock()
        return open_ticket(ticket_key(), body.ticket, now), body, now

    def held(t: Ticket, now: datetime) -> dict[str, Any]:
        return holdings(wh, t.pseudonyms, cinema_names(), now)

    @app.post("/api/summary")
    def summary() -> Response:
        t, _, now = ticket()
        return _json(held(t, now))

    @app.post("/api/download")
    def download() -> Response:
        t, _, now = ticket()
        name = f"vos-donnees-audience-{now.date().isoformat()}.json"
        return _json(held(t, now), headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.post("/api/withdraw")
    def withdrawal() -> Response:
        t, _, now = ticket()
        withdraw(wh, t.pseudonyms, t.cinema_id, now)
        return _json({"done": "withdrawn", "at": now.isoformat(timespec="seconds")})

    @app.post("/api/erase")
    def erasure() -> Response:
        t, body, now = ticket()
        if not body.confirm:
            raise ErasureNotConfirmed("confirm the erasure: it cannot be undone")
        receipt = erase_for_visitor(wh, cp, t.pseudonyms, t.cinema_id, now)
        return _json({"done": "erased", "receipt": receipt, "at": now.isoformat(timespec="seconds")})

    return app
