"""The console's, the partners' API's and the counters' HTTP servers: waitress, in the supervisor's
process (these apps are built around live objects: the control plane, the warehouse, a segment
builder), each on its own port, loopback by default.

waitress reads and buffers every request on one event loop before it hands a complete one to a
worker thread, so a slow or stalled client holds a socket, never a thread; past `connection_limit`
open connections it stops accepting until some close. Bodies are capped (`max_body`, 413 beyond),
request headers too (431); idle connections close after `channel_timeout`. No `Server` header names
the software, no traceback reaches a client, and `X-Forwarded-*` headers from a client are dropped,
not trusted (a reverse proxy in front terminates TLS; the apps build no URL from them).

Logging names neither the client's address nor anything the client wrote: a refused request line can
carry anything (an e-mail address in a path, say), and no component logs client addresses. A request
refused before the application is logged by its status alone; waitress's own records (some of which
quote the path, or a connection's address) are replaced by fixed wordings on `artaud.http`: its state
(connection limit, queue depth) as is, an application's exception by its type and where it was raised.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import traceback
from typing import Any, ClassVar

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher

log = logging.getLogger("artaud.http")

MAX_BODY = 1 << 20
"""The largest request body accepted by default (1 MiB): forms, JSON, a CSV of cinemas."""

SETTINGS: dict[str, Any] = {
    "threads": 8,  # requests run at once by each server; more wait, buffered, in the queue
    "connection_limit": 100,  # open connections per server; beyond, no accept() until some close
    "channel_timeout": 30,  # seconds a connection may sit idle (no request in progress)
    "cleanup_interval": 10,  # how often idle connections are looked for
    "max_request_header_size": 32 * 1024,
    "ident": "",  # no Server header
    "expose_tracebacks": False,
    "clear_untrusted_proxy_headers": True,
    "log_socket_errors": False,  # a client resetting its connection is not the server's fault
    "asyncore_use_poll": True,  # select() fails past fd 1024; the service opens many files
}

# waitress's records whose template carries only the server's state (numbers, no client data).
_STATE = frozenset(
    {
        "total open connections reached the connection limit, no longer accepting new connections",
        "total open connections dropped below the connection limit, listening again",
        "Task queue depth is %d",
        "%d thread(s) still running",
        "Canceling %d pending task(s)",
    }
)


class _Reworded(logging.Filter):
    """A filter on waitress's loggers: each of their records is dropped before any handler sees it
    and logged instead on `artaud.http` in a wording that names no client and nothing a client wrote."""

    def filter(self, record: logging.LogRecord) -> bool:
        self.reword(record)
        return False

    @staticmethod
    def reword(record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg in _STATE:
            log.log(record.levelno, "http server: %s", record.getMessage())
        elif record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
            at = f" at {where[0].filename}:{where[0].lineno} in {where[0].name}" if where else ""
            log.error("http server: %s raised while serving a request%s", type(exc).__name__, at)
        elif isinstance(record.msg, str) and record.msg.startswith("Client disconnected"):
            log.debug("http server: a client disconnected before its answer was written")
        elif record.levelno >= logging.WARNING:
            log.log(
                record.levelno,
                "http server: a %s not kept (it may name a client or a request)",
                record.levelname.lower(),
            )


def _reword_waitress() -> None:
    for name in ("waitress", "waitress.queue"):  # a parent's filters do not see its children's records
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Reworded) for f in logger.filters):
            logger.addFilter(_Reworded())


class _Refused(ErrorTask):
    """waitress's answer to a request it refuses before the application (400, 413, 431, 501): logged by
    its status only. A 500 is the application's exception, logged by `_Reworded`."""

    def execute(self) -> None:
        error: Any = getattr(self.request, "error", None)
        code = getattr(error, "code", None)
        if code != 500:
            log.warning(
                "refused a request before the application (%s %s)", code, getattr(error, "reason", "")
            )
        super().execute()


class _Channel(HTTPChannel):
    error_task_class = _Refused


class _Workers(ThreadedTaskDispatcher):
    """waitress's worker threads, named after the server (`admin-0`, …) rather than `waitress-0`."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def start_new_thread(self, target: Any, thread_no: int) -> None:
        threading.Thread(
            target=target, name=f"{self.name}-{thread_no}", args=(thread_no,), daemon=True
        ).start()


class _Listener(TcpWSGIServer):
    channel_class: ClassVar[type[HTTPChannel]] = _Channel  # type: ignore[misc]


class Server:
    """An app being served: `shutdown()` stops accepting, closes every connection, ends the event loop
    and the worker threads; the port is free when it returns."""

    def __init__(self, listener: _Listener, socket_map: dict[int, Any], workers: _Workers, name: str) -> None:
        self._listener = listener
        self._map = socket_map
        self._workers = workers
        self._lock = threading.Lock()
        self._stopped = False
        host, port = listener.getsockname()
        self.server_address = (host, int(port))
        self.server_port = self.server_address[1]
        self._loop = threading.Thread(target=listener.run, name=name, daemon=True)
        self._loop.start()

    def shutdown(self, timeout: float = 10.0) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        socket_map = self._map
        trigger: Any = self._listener.trigger

        def close_sockets() -> None:  # the listener and every connection; the trigger stays
            for channel in list(socket_map.values()):
                with contextlib.suppress(OSError):
                    if channel is self._listener:  # its own close() would close the trigger too
                        wasyncore.dispatcher.close(channel)
                    elif channel is not trigger:
                        channel.close()
            closed.set()

        # Sockets are closed on the loop's own thread (a wasyncore map is not thread-safe); then the
        # workers finish (a request whose client is gone ends at its next write); the trigger, which
        # a worker pulls when it writes, is closed last, and an empty map ends the loop.
        closed = threading.Event()
        if self._loop.is_alive():
            trigger.pull_trigger(close_sockets)
            closed.wait(timeout)
        self._workers.shutdown(cancel_pending=True, timeout=max(1, int(timeout)))
        if self._loop.is_alive():
            trigger.pull_trigger(lambda: wasyncore.close_all(socket_map))
            self._loop.join(timeout)
        if not self._loop.is_alive():
            wasyncore.close_all(socket_map)  # already empty, unless the loop had died


def serve(
    host: str, port: int, app: Any, name: str, *, max_body: int = MAX_BODY, trusted_proxy: str = ""
) -> Server:
    """Start `app` on host:port (0: any free port, see `server_port`) in daemon threads named after
    `name`; `shutdown()` stops it. `trusted_proxy`: the address of the TLS reverse proxy in front,
    whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (the client's address for the
    sign-in throttle, https for HSTS); from anyone else they are dropped."""
    _reword_waitress()
    proxy: dict[str, Any] = (
        {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        }
        if trusted_proxy
        else {}
    )
    workers = _Workers(name)
    workers.set_thread_count(SETTINGS["threads"])
    socket_map: dict[int, Any] = {}  # this server's own, not wasyncore's global one
    try:
        listener = _Listener(
            app,
            map=socket_map,
            dispatcher=workers,
            host=host,
            port=port,
            max_request_body_size=max_body,
            **SETTINGS,
            **proxy,
        )
    except BaseException:  # the port is taken, say: nothing of it stays open
        wasyncore.close_all(socket_map)
        workers.shutdown()
        raise
    return Server(listener, socket_map, workers, name)
