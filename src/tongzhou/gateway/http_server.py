"""The gateway's server side: HTTP/1.1 on ``asyncio.Protocol`` + httptools, one connection at a time.

Why not aiohttp or uvicorn: the gateway is a proxy, so every request pays for an HTTP server *and*
an HTTP client; the frameworks' per-request machinery (request objects, routers, middlewares,
stream readers) cost ~0.5 ms of CPU per proxied request, three times the gateway's governance
work (benchmarks/gateway_overhead.py, docs/gateway.md). This module does only what the gateway
needs: keep-alive, pipelining (answers in order), Content-Length and chunked request bodies,
a bound on body size (413), malformed requests (400), chunked streaming answers, and
back-pressure in both directions.
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
from tongzhou.gateway.http_wire import (
    JSON_TYPE,
    Headers,
    error_body,
    json_bytes,
    status_line,
)
from tongzhou.gateway.policy import ClientTimeouts

log = logging.getLogger("tongzhou.gateway.http")

MAX_PIPELINED = 32
"""Requests parsed ahead of the one being answered before the connection stops reading."""
MAX_QUEUED = 8 * MAX_PIPELINED
"""Requests one read may queue (httptools cannot stop mid-read); beyond: 429, then close."""
MAX_HEAD_BYTES = 64 * 1024
"""Request line and headers together (larger: 414 or 431, then the connection closes)."""
MAX_HEADERS = 200
CHUNK_FRAMING_BYTES = 64
"""Bytes of framing allowed per chunk of a chunked body (size line and CRLFs; more is extensions)."""
DISCARD_LIMIT = 16 * 1024 * 1024
LINGER_SECONDS = 2.0
"""Bytes of an oversized body read and thrown away (so the client sees the 413) before closing."""


RequestHandler = Callable[[GatewayRequest, "ClientConnection"], Awaitable[None]]


class ClientConnection(asyncio.Protocol):
    """One client's connection: parses requests, runs the handler on each in turn, writes answers."""

    def __init__(
        self,
        handler: RequestHandler,
        max_body_bytes: int,
        registry: set[ClientConnection],
        timeouts: ClientTimeouts | None = None,
    ) -> None:
        self._handler = handler
        self._timeouts = timeouts or ClientTimeouts()
        self._max_body = max_body_bytes
        self._registry = registry
        self._loop = asyncio.get_running_loop()
        self._parser = httptools.HttpRequestParser(self)
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
        # Per request being parsed.
        self._url = b""
        self._headers: Headers = []
        self._body: list[bytes] = []
        self._body_size = 0
        self._too_large = False
        self._expect_continue = False
        self._in_head = False
        self._in_body = False  # head done, message not yet complete (body, chunk framing, trailers)
        self._head_bytes = self._header_bytes = 0
        self._framing_bytes = self._chunks = 0
        self._hosts = 0
        self._messages = 0
        self._message_started = self._body_started = 0.0
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
        in_head, in_body, messages, body_size = self._in_head, self._in_body, self._messages, self._body_size
        try:
            self._parser.feed_data(data)
            if messages == self._messages:
                if in_head and self._in_head:
                    # The whole chunk was part of one unfinished head, which httptools buffers itself.
                    # (The chunk in which a head begins is not counted: memory stays bounded by one
                    # read, and an incomplete request is closed by the header timeout.)
                    self._head_bytes += len(data)
                    if self._head_bytes > MAX_HEAD_BYTES:
                        self._refuse(
                            431, f"request headers larger than {MAX_HEAD_BYTES} bytes", "headers_too_large"
                        )
                elif in_body and self._in_body:
                    self._count_framing(len(data) - (self._body_size - body_size))
        except httptools.HttpParserUpgrade:
            self._refuse_upgrade()
        except httptools.HttpParserCallbackError:
            log.exception("request handling failed while parsing")
            self._refuse(500, "internal error while reading the request", "internal_error")
        except httptools.HttpParserError as exc:
            self._refuse(400, f"malformed HTTP request: {exc}", "bad_request")

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

    # ---- httptools callbacks -----------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self._body = []
        self._body_size = 0
        self._too_large = False
        self._expect_continue = False
        self._in_head = True
        self._head_bytes = self._header_bytes = 0
        self._framing_bytes = self._chunks = 0
        self._hosts = 0
        self._messages += 1
        self._message_started = self.last_active  # the time of this read: no clock call per request

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > MAX_HEAD_BYTES:
            self._refuse(414, f"request target longer than {MAX_HEAD_BYTES} bytes", "uri_too_long")

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._in_head:
            # A trailer field (after a chunked body). Merged into the headers it would reach the
            # upstream as a header that no check of the head saw (smuggled Authorization,
            # Content-Type...); RFC 9110 §6.5.1 lets a recipient discard trailers, so they are.
            return
        name = name.lower()  # once here, so that every later look-up compares bytes as they are
        self._headers.append((name, value))
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > MAX_HEAD_BYTES or len(self._headers) > MAX_HEADERS:
            self._refuse(
                431,
                f"request headers larger than {MAX_HEAD_BYTES} bytes or more than {MAX_HEADERS}",
                "headers_too_large",
            )
        elif name == b"content-length" and value.strip().isdigit() and int(value) > self._max_body:
            self._too_large = True
        elif name == b"expect":
            self._expect_continue = value.lower() == b"100-continue"
        elif name == b"host":
            self._hosts += 1
        elif name == b"transfer-encoding" and value.strip().lower() != b"chunked":
            # httptools refuses most bad codings, but takes "gzip, chunked" and would hand over the
            # still-compressed body as if it were plain; the gateway decodes only chunked.
            self._refuse(501, "only Transfer-Encoding: chunked is supported", "unsupported_transfer_coding")

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._in_body = True
        self._body_started = self.last_active
        if self._hosts != 1 and self._parser.get_http_version() == "1.1":
            # RFC 9112 §3.2: a 1.1 request without Host, or with two (which one would a chain of
            # proxies route by?), is answered 400. The gateway sends its own Host upstream anyway.
            count = "none" if self._hosts == 0 else "more than one"
            message = f"an HTTP/1.1 request needs exactly one Host header; it has {count}"
            self._refuse(400, message, "bad_host")
            return
        if self._expect_continue and self._task is None:
            # Only when idle: an interim answer must not land in the middle of an earlier answer.
            if self._too_large:
                self._refuse(413, self._too_large_message(), "body_too_large")
            else:
                self._write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_chunk_header(self) -> None:
        self._chunks += 1

    def on_body(self, body: bytes) -> None:
        self._body_size += len(body)
        if self._too_large:
            if self._body_size > DISCARD_LIMIT:
                self._refuse(413, self._too_large_message(), "body_too_large")
            return
        if self._body_size > self._max_body:
            self._too_large = True
            self._body = []
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._in_body = False
        if self._closing:
            return
        url = self._url
        mark = url.find(b"?")
        path, query = (url, b"") if mark < 0 else (url[:mark], url[mark + 1 :])
        request = GatewayRequest(
            self._parser.get_method().decode("ascii", "replace"),
            path.decode("latin-1"),
            query,
            self._headers,
            b"".join(self._body) if len(self._body) != 1 else self._body[0],
            self._parser.should_keep_alive(),
            self._parser.get_http_version(),
            self._remote,
            (413, self._too_large_message(), "body_too_large") if self._too_large else None,
        )
        if request.error is not None:
            request.keep_alive = False  # the client may still be sending; start afresh
        if len(self._queue) >= MAX_QUEUED:
            # Pausing the transport bounds what later reads bring, not what one read holds: a
            # 256 KiB read of tiny requests would otherwise queue thousands.
            self._refuse(429, f"more than {MAX_QUEUED} pipelined requests unanswered", "too_many_pipelined")
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
                    self._message_started = self._body_started = time.monotonic()
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

    def _count_framing(self, size: int) -> None:
        """Bound what a chunked body carries besides its data: httptools does not limit chunk
        extensions, and buffers each trailer field whole, so an endless one would grow without end."""
        self._framing_bytes += size
        if self._framing_bytes > MAX_HEAD_BYTES + CHUNK_FRAMING_BYTES * self._chunks:
            message = f"chunk extensions and trailer fields larger than {MAX_HEAD_BYTES} bytes"
            self._refuse(431, message, "headers_too_large")

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
            self._refuse(400, "protocol upgrades (WebSocket, h2c) are not supported", "bad_request")

    def _refuse(self, status: int, message: str, code: str) -> None:
        """Answer a request that could not be read, after the answers before it, then close."""
        if self._closing:
            return
        request = GatewayRequest("", "", b"", [], b"", False, "1.1", self._remote, (status, message, code))
        self._enqueue(request)
        self._closing = self._linger = True

    def _too_large_message(self) -> str:
        return f"request body larger than {self._max_body} bytes (max_body_bytes in gateway.yaml)"

    # ---- answers -----------------------------------------------------------------------------
    @property
    def gone(self) -> bool:
        """Whether the client has closed the connection."""
        return self._gone

    def _write(self, data: bytes) -> None:
        if self._transport is not None and not self._gone:
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
        if self._in_head and now - self._message_started > timeouts.header_seconds:
            message = f"request headers not complete within {timeouts.header_seconds:g} s"
            self._refuse(408, message + " (client_timeouts.header_seconds)", "request_timeout")
        elif self._in_body and now - self._body_started > timeouts.body_seconds:
            message = f"request body not complete within {timeouts.body_seconds:g} s"
            self._refuse(408, message + " (client_timeouts.body_seconds)", "request_timeout")
        elif self.idle and not self._in_head and now - self.last_active > timeouts.keep_alive_seconds:
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
