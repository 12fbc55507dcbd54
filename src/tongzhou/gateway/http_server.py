"""The gateway's server side: HTTP/1.1 on ``asyncio.Protocol`` + httptools, one connection at a time.

Why not aiohttp or uvicorn: the gateway is a proxy, so every request pays for an HTTP server *and*
an HTTP client; the frameworks' per-request machinery (request objects, routers, middlewares,
stream readers) cost ~0.5 ms of CPU per proxied request, three times the gateway's governance
work (benchmarks/gateway_overhead.py, docs/gateway.md). This module does only what the gateway
needs: keep-alive, pipelining (answers in order), Content-Length and chunked request bodies,
a bound on body size (413), malformed requests (400), chunked streaming answers, and
back-pressure in both directions. Reading requests within the limits is
:mod:`tongzhou.gateway.http_request_reader`'s part; answering them in order is this module's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, cast

import httptools

from tongzhou.gateway.gateway_request import GatewayRequest
from tongzhou.gateway.http_request_reader import RequestReader
from tongzhou.gateway.http_wire import JSON_TYPE, error_body, json_bytes, status_line
from tongzhou.gateway.policy import ClientTimeouts

log = logging.getLogger("tongzhou.gateway.http")

MAX_PIPELINED = 32
"""Requests parsed ahead of the one being answered before the connection stops reading."""
MAX_QUEUED = 8 * MAX_PIPELINED
"""Requests one read may queue (httptools cannot stop mid-read); beyond: 429, then close."""
LINGER_SECONDS = 2.0
"""How long a connection that refused a request reads and drops what the client still sends."""


RequestHandler = Callable[[GatewayRequest, "ClientConnection"], Awaitable[None]]
BeforeAnswer = Callable[[], None]
"""Run before any byte of an answer is written (the gateway hands its pending audit records to the
OS there, so an answer never leaves before the records that describe it)."""


class ClientConnection(asyncio.Protocol):
    """One client's connection: parses requests, runs the handler on each in turn, writes answers."""

    def __init__(
        self,
        handler: RequestHandler,
        max_body_bytes: int,
        registry: set[ClientConnection],
        timeouts: ClientTimeouts | None = None,
        before_answer: BeforeAnswer | None = None,
    ) -> None:
        self._handler = handler
        self._before_answer = before_answer
        self._timeouts = timeouts or ClientTimeouts()
        self._registry = registry
        self._loop = asyncio.get_running_loop()
        self._reader = RequestReader(self, max_body_bytes)
        self._transport: asyncio.Transport | None = None
        self._remote: str | None = None
        self._queue: deque[GatewayRequest] = deque()
        self._last_request: GatewayRequest | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False  # no more requests will be read (error, half-close, gone)
        self._gone = False
        self._peer_done = False  # the client half-closed
        self._linger = False  # close after reading what the client still sends (after a refusal)
        self._lingering = False
        self._reading_paused = False
        self._writing_paused = False
        self._drained: asyncio.Future[None] | None = None
        # Per answer being written.
        self._keep_alive = True
        self._http10 = False
        self._chunked = False
        self._started = False
        self.last_active = time.monotonic()
        """When the connection last received data or finished an answer (for the idle sweep)."""

    # ---- asyncio.Protocol --------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio subclasses
        peer = transport.get_extra_info("peername")
        self._remote = str(peer[0]) if isinstance(peer, tuple) and peer else None
        self._reader.remote = self._remote
        self._registry.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._gone = self._closing = True
        self._registry.discard(self)
        self._queue.clear()
        if self._drained is not None and not self._drained.done():
            self._drained.set_exception(ConnectionResetError("client closed the connection"))
        if self._task is not None and not self._task.done():
            self._task.cancel()  # nobody is waiting for the answer: stop the upstream call too

    def data_received(self, data: bytes) -> None:
        self.last_active = time.monotonic()
        if self._closing:
            return
        try:
            self._reader.feed(data)
        except httptools.HttpParserUpgrade:
            self._refuse_upgrade()
        except httptools.HttpParserCallbackError:
            log.exception("request handling failed while parsing")
            self.refuse(500, "internal error while reading the request", "internal_error")
        except httptools.HttpParserError as exc:
            self.refuse(400, f"malformed HTTP request: {exc}", "bad_request")

    def eof_received(self) -> bool | None:
        # A client that half-closes after its last request still gets the answers in flight.
        self._closing = self._peer_done = True
        if self._task is None:
            self.close()
        return True

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    # ---- what the request reader needs (RequestSink) ----------------------------------------
    @property
    def closing(self) -> bool:
        """Whether no more requests will be read (error, half-close, gone)."""
        return self._closing

    def send_continue(self) -> None:
        """Write the interim ``100 Continue`` (the reader asks only while the connection is idle)."""
        self._write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def deliver(self, request: GatewayRequest) -> None:
        """Queue one complete request to be answered in turn (429 and close beyond :data:`MAX_QUEUED`)."""
        if len(self._queue) >= MAX_QUEUED:
            # Pausing the transport bounds what later reads bring, not what one read holds: a
            # 256 KiB read of tiny requests would otherwise queue thousands.
            self.refuse(429, f"more than {MAX_QUEUED} pipelined requests unanswered", "too_many_pipelined")
            return
        self._last_request = request
        self._enqueue(request)

    # ---- dispatch ----------------------------------------------------------------------------
    def _enqueue(self, request: GatewayRequest) -> None:
        self._queue.append(request)
        if self._task is None:
            self._task = self._loop.create_task(self._serve_queue())
        elif len(self._queue) >= MAX_PIPELINED and self._transport is not None:
            self._transport.pause_reading()
            self._reading_paused = True

    async def _serve_queue(self) -> None:
        """Answer queued requests in order (HTTP/1.1 pipelining), then wait for the next data."""
        try:
            while self._queue and not self._gone:
                request = self._queue.popleft()
                if self._reading_paused and len(self._queue) < MAX_PIPELINED // 2:
                    self._reading_paused = False
                    # A head or body cut off by the pause is not the client's delay.
                    self._reader.message_started = self._reader.body_started = time.monotonic()
                    if self._transport is not None:
                        self._transport.resume_reading()
                # Answers wait for the client to read the earlier ones: a client that pipelines
                # without reading would otherwise fill the gateway's memory with answers.
                await self._drain()
                # Once reading has stopped (error, half-close), the last queued answer closes.
                self._keep_alive = request.keep_alive and (not self._closing or bool(self._queue))
                self._http10 = request.version == "1.0"
                self._started = False
                if request.error is not None:
                    status, message, code = request.error
                    self.send_json(status, error_body(message, "invalid_request_error", code))
                else:
                    await self._answer(request)
                self.last_active = time.monotonic()
                if not self._keep_alive:
                    self.close()
                    return
        except ConnectionError:
            return  # the client is gone, or was dropped for reading nothing
        finally:
            self._task = None
            if self._closing and not self._gone:
                self.close()

    async def _answer(self, request: GatewayRequest) -> None:
        try:
            await self._handler(request, self)
        except (asyncio.CancelledError, ConnectionError):
            if self._gone:
                return  # the client left; nothing to answer
            raise
        except Exception:
            log.exception("gateway failed on %s %s", request.method, request.path)
            if not self._started:
                self.send_json(500, error_body("internal gateway error", "internal_error", "internal"))
            else:
                self._keep_alive = False  # a half-written answer: the connection cannot be reused
        if not self._started:
            self.send_json(500, error_body("the gateway gave no answer", "internal_error", "internal"))

    def _refuse_upgrade(self) -> None:
        """httptools stops at a request asking to switch protocols (Upgrade, CONNECT), after handing
        over the request itself, which is answered as plain HTTP: that answer closes the connection,
        since what the client sends next may no longer be HTTP/1.1."""
        # The request is still queued: the task that answers it runs after this read is parsed.
        if self._queue and self._queue[-1] is self._last_request and not self._closing:
            request = self._last_request
            request.keep_alive = False
            self._closing = self._linger = True
            if _declares_body(request):
                # httptools ends such a request at its headers and leaves the body unread (it would
                # be the new protocol's bytes): forwarding it would send the upstream an empty body.
                message = (
                    "a request asking for a protocol upgrade (h2c, WebSocket) cannot carry a body here; "
                    "send it without the Upgrade header / 请求协议升级（h2c、WebSocket）的请求不能带请求体，"
                    "请去掉 Upgrade 头后重发"
                )
                request.error = (400, message, "bad_request")
        else:
            self.refuse(400, "protocol upgrades (WebSocket, h2c) are not supported", "bad_request")

    def refuse(self, status: int, message: str, code: str) -> None:
        """Answer a request that could not be read, after the answers before it, then close."""
        if self._closing:
            return
        request = GatewayRequest("", "", b"", [], b"", False, "1.1", self._remote, (status, message, code))
        self._enqueue(request)
        self._closing = self._linger = True

    # ---- answers -----------------------------------------------------------------------------
    @property
    def gone(self) -> bool:
        """Whether the client has closed the connection."""
        return self._gone

    def _write(self, data: bytes) -> None:
        if self._transport is not None and not self._gone:
            if self._before_answer is not None:
                self._before_answer()
            self._transport.write(data)

    def _connection_header(self) -> bytes:
        if not self._keep_alive:
            return b"Connection: close\r\n"
        return b"Connection: keep-alive\r\n" if self._http10 else b""  # 1.0 closes unless told

    def send(self, status: int, header_block: bytes, body: bytes) -> None:
        """Write a whole answer: ``header_block`` is ``Name: value\\r\\n`` lines (no length, no
        Connection); the length and keep-alive are added here."""
        self._started = True
        self._write(
            b"".join(
                (
                    status_line(status),
                    header_block,
                    b"Content-Length: ",
                    str(len(body)).encode("ascii"),
                    b"\r\n",
                    self._connection_header(),
                    b"\r\n",
                    body,
                )
            )
        )

    def send_json(self, status: int, value: Any, header_block: bytes = b"") -> None:
        """Write a whole JSON answer."""
        self.send(status, JSON_TYPE + header_block, json_bytes(value))

    def start_stream(self, status: int, header_block: bytes) -> None:
        """Begin an answer whose body follows in :meth:`write` calls (chunked; HTTP/1.0: until close)."""
        self._started = True
        # HTTP/1.0 has no chunked encoding: then, as on a closing connection, the body ends at close.
        self._chunked = self._keep_alive and not self._http10
        framing = b"Transfer-Encoding: chunked\r\n" if self._chunked else b"Connection: close\r\n"
        self._write(status_line(status) + header_block + framing + b"\r\n")

    async def write(self, data: bytes) -> None:
        """Send part of a streamed body; waits while the client reads slower than the upstream sends."""
        if self._gone:
            raise ConnectionResetError("client closed the connection")
        if not data:
            return
        if self._chunked:
            self._write(b"%x\r\n%b\r\n" % (len(data), data))
        else:
            self._write(data)
        await self._drain()

    async def _drain(self) -> None:
        """Wait while the client's unread answers fill the transport's buffer; drop a client that
        reads nothing for ``send_seconds`` (it would hold the connection, and its upstream, forever)."""
        if not self._writing_paused:
            return
        self._drained = self._loop.create_future()
        try:
            async with asyncio.timeout(self._timeouts.send_seconds):
                await self._drained
        except TimeoutError:
            log.info("dropping client %s: read nothing for %g s", self._remote, self._timeouts.send_seconds)
            self.abort()
            self._gone = True
            raise ConnectionResetError("the client read nothing (client_timeouts.send_seconds)") from None

    def end_stream(self) -> None:
        """Finish a streamed body."""
        if self._chunked:
            self._write(b"0\r\n\r\n")
        else:
            self._keep_alive = False

    def close(self) -> None:
        """Close the connection (pending writes are flushed first).

        After refusing a request the client may still be sending (an oversized body, endless
        headers): closing with unread bytes makes the kernel reset the connection, and the client
        may lose the refusal. So then the gateway half-closes, reads and drops what still comes,
        and closes when the client does, or after :data:`LINGER_SECONDS`.
        """
        self._closing = True
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if self._linger and not self._peer_done and transport.can_write_eof():
            if not self._lingering:
                self._lingering = True
                transport.write_eof()
                if self._reading_paused:
                    transport.resume_reading()
                self._loop.call_later(LINGER_SECONDS, transport.close)
            return
        transport.close()

    def abort(self) -> None:
        """Drop the connection at once (shutdown: an answer still running is cancelled)."""
        self._closing = True
        if self._transport is not None:
            self._transport.abort()

    @property
    def idle(self) -> bool:
        """Whether no request is being answered."""
        return self._task is None

    def check_timeouts(self, now: float) -> None:
        """Refuse a request whose head or body is too slow to arrive (408); close an idle connection.

        Called by a periodic sweep rather than a timer per request, which the hot path would pay for.
        """
        if self._closing or self._reading_paused:
            return  # closing anyway; or the gateway, not the client, is behind
        timeouts = self._timeouts
        reader = self._reader
        if reader.in_head and now - reader.message_started > timeouts.header_seconds:
            message = f"request headers not complete within {timeouts.header_seconds:g} s"
            self.refuse(408, message + " (client_timeouts.header_seconds)", "request_timeout")
        elif reader.in_body and now - reader.body_started > timeouts.body_seconds:
            message = f"request body not complete within {timeouts.body_seconds:g} s"
            self.refuse(408, message + " (client_timeouts.body_seconds)", "request_timeout")
        elif self.idle and not reader.in_head and now - self.last_active > timeouts.keep_alive_seconds:
            self.close()


def check_timeouts(connections: set[ClientConnection]) -> None:
    """Apply each connection's :class:`ClientTimeouts` (see :meth:`ClientConnection.check_timeouts`)."""
    now = time.monotonic()
    for connection in list(connections):
        with contextlib.suppress(Exception):
            connection.check_timeouts(now)


def close_idle(connections: set[ClientConnection], idle_seconds: float) -> int:
    """Close keep-alive connections idle for longer than ``idle_seconds``; return how many."""
    cutoff = time.monotonic() - idle_seconds
    stale = [c for c in connections if c.idle and c.last_active < cutoff]
    for connection in stale:
        with contextlib.suppress(Exception):
            connection.close()
    return len(stale)


def _declares_body(request: GatewayRequest) -> bool:
    """Whether a request's headers announce a body (a non-zero Content-Length, or any Transfer-Encoding)."""
    length = request.header(b"content-length")
    return request.header(b"transfer-encoding") is not None or (
        length is not None and length.strip() not in (b"", b"0")
    )
