"""The collector under granian's RSGI interface: what the workers serve.

Under WSGI a request body is read by a blocking thread: a client that sends its headers and then
trickles its body holds that thread, and a few dozen such sockets froze every worker (granian has no
body read timeout). Here the body is read on the worker's event loop, bounded in size, and in time
by `collector.body_timeout_ms`: a slow client costs a socket until its deadline, never a thread, and
gets `408 too_slow`. Granian bounds the header read (`--http1-header-read-timeout`) and the requests
in flight per worker (`--backpressure`). Once the body is in, the hit runs synchronously (tens of
microseconds) through `CollectorApp.handle` (the hit pipeline, then the sink and the counters), the
same path as under WSGI.

The deadline costs two dictionary operations per request: the reads in progress are kept with their
deadline, and one sweeper task per worker cancels the overdue ones four times a second (a timer per
request, as `asyncio.timeout` arms, costs more than the hit itself saves).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from artaud.collector.app import CollectorApp
from artaud.collector.hit import DropReason
from artaud.collector.http import Response
from artaud.collector.request import Request

SWEEP_SECONDS = 0.25


class _TooLarge(Exception):
    pass


async def _read(protocol: Any, limit: int) -> bytes:
    """A body without a length announced (chunked): read until it ends or passes the limit."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in protocol:
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class RsgiCollector:
    def __init__(
        self,
        app: CollectorApp,
        max_body: int,
        body_timeout: float,
        on_loop: Callable[[asyncio.AbstractEventLoop], None] | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.on_loop = on_loop  # called with the worker's event loop when granian starts it
        self._reading: dict[asyncio.Task[Any], float] = {}  # reads in progress -> deadline
        self._overdue: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            now = loop.time()
            for task, deadline in list(self._reading.items()):
                if deadline < now and task not in self._overdue:
                    self._overdue.add(task)
                    task.cancel()

    async def _body(self, scope: Any, protocol: Any) -> bytes:
        length = scope.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            raise _TooLarge
        task = asyncio.current_task()
        if task is None:  # not under an asyncio task: no deadline can cancel it, read as is
            return await (protocol() if length is not None else _read(protocol, self.max_body))
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())
        self._reading[task] = asyncio.get_running_loop().time() + self.body_timeout
        try:
            if length is not None:
                body: bytes = await protocol()  # no more than the length announced
                return body
            return await _read(protocol, self.max_body)
        except asyncio.CancelledError:
            if task in self._overdue:
                task.uncancel()
                raise TimeoutError from None
            raise
        finally:
            self._reading.pop(task, None)
            self._overdue.discard(task)

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.on_loop is not None:
            self.on_loop(loop)

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        headers = scope.headers
        body = b""
        if scope.method == "POST":
            try:
                body = await self._body(scope, protocol)
            except _TooLarge:
                return self._send(protocol, self._refuse("body_too_large", f"over {self.max_body} bytes"))
            except TimeoutError:
                detail = f"the body took over {self.body_timeout:g} s to arrive"
                return self._send(protocol, self._refuse("too_slow", detail), close=True)
        req = Request(
            method=scope.method,
            path=scope.path,
            query=scope.query_string,
            headers=headers,
            body=body,
            peer=scope.client.rpartition(":")[0].strip("[]"),
        )
        self._send(protocol, self.app.handle(req))

    def _refuse(self, reason: DropReason, detail: str) -> Response:
        return self.app.refusal(reason, detail)

    @staticmethod
    def _send(protocol: Any, res: Response, close: bool = False) -> None:
        headers = [*res.headers, ("Connection", "close")] if close else res.headers
        protocol.response_bytes(res.status, headers, res.body)
