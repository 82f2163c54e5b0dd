"""Commands that read or write the warehouse while `artaud run` holds it.

The embedded warehouse (chdb) is one process's: while the service runs on a data directory, another
process cannot open it. Then `segments build`/`list`, `consent`, `erase` and `campaigns freeze` go
through the running service's console API instead, with a console API token (`ARTAUD_ADMIN_TOKEN`,
from `artaud users token LOGIN`): the token's account and role decide what the command may do,
exactly as in the console, and the console's audit log records it. With the ClickHouse server, or
with the service stopped, the commands open the warehouse themselves.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from artaud.config.settings import Settings
from artaud.errors import ArtaudError, InvalidInput, Unavailable
from artaud.lifeline import Busy, InstanceLock

TOKEN_ENV = "ARTAUD_ADMIN_TOKEN"  # noqa: S105 - the variable's name, not a token


class NeedsToken(InvalidInput):
    code = "service_token_needed"


class Refused(ArtaudError):
    """The running service refused the command: its code, status and message, as it said them."""

    code = "refused_by_service"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def service_running(settings: Settings) -> bool:
    """Whether an `artaud run` holds this data directory (its exclusive lock, lifeline.py)."""
    lock = InstanceLock(settings.data_dir / "run.lock")
    try:
        lock.acquire()
    except Busy:
        return True
    lock.release()
    return False


class Remote:
    def __init__(self, settings: Settings, token: str) -> None:
        a = settings.admin
        host = "127.0.0.1" if a.host in ("0.0.0.0", "::", "") else a.host  # noqa: S104 - the bound-all address, mapped to loopback
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise NeedsToken(
                f"the console is bound to {host}, not loopback: a token is not sent over plain http "
                "elsewhere; run the command on the service's machine with admin.host on loopback"
            )
        self.base, self.token = f"http://{'[::1]' if host == '::1' else host}:{a.port}", token
        # a redirect would carry the token elsewhere: none is followed
        self.opener = urllib.request.build_opener(_NoRedirects())

    def call(self, method: str, path: str, body: object | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 - loopback
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(request, timeout=600) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            try:
                said = json.loads(exc.read())
            except ValueError:
                said = {}
            message = said.get("error") if isinstance(said, dict) else None
            raise Refused(
                f"the running service answered {exc.code}: {message or exc.reason}",
                code=str(said.get("code", "refused_by_service"))
                if isinstance(said, dict)
                else "refused_by_service",
                status=exc.code,
            ) from None
        except OSError as exc:
            raise Unavailable(
                f"the running service's console ({self.base}) cannot be reached: {exc}"
            ) from None


def through_service(settings: Settings) -> Remote | None:
    """The running service to go through, or None when this process may open the warehouse itself."""
    if settings.warehouse.backend != "chdb" or not service_running(settings):
        return None
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise NeedsToken(
            "artaud run holds this data directory's embedded warehouse, so this command goes through it: "
            f"give a console API token in {TOKEN_ENV} (artaud users token LOGIN --by WHO); its role "
            "decides what the command may do, as in the console"
        )
    return Remote(settings, token)
