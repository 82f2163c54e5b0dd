"""The console's, the partners' API's and the counters' HTTP servers (werkzeug's threaded server on
loopback), with request logging that names neither the client's address nor anything the client
wrote: a refused request line can carry anything (an e-mail address in a path, say), and no component
logs client addresses. Only the status of an error is logged."""

from __future__ import annotations

import logging
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

log = logging.getLogger("artaud.http")


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one line per request, with its path and address: not kept

    def log_error(self, format: str, *args: Any) -> None:
        code = args[0] if args and isinstance(args[0], int) else "?"
        log.warning("refused a malformed request (%s)", code)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(host: str, port: int, app: Any, name: str) -> BaseWSGIServer:
    """Start `app` on host:port in a daemon thread; `shutdown()` stops it."""
    server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server
