"""The gateway's client side: keep-alive HTTP/1.1 connections to the upstream (asyncio.Protocol +
httptools' response parser).

A request borrows an idle connection (or opens one), writes the request in one ``write``, and
waits for the whole answer — or, for an event stream the client asked for, for the headers,
after which the body arrives chunk by chunk through :class:`UpstreamStream`, so a halt order
can cut it between any two chunks. A connection goes back to the pool only after a complete
answer that allows keep-alive; anything else closes it.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import cast
from urllib.parse import urlsplit

import httptools

from tongzhou.gateway.http_wire import Headers

MAX_ANSWER_BYTES = 64 * 1024 * 1024
"""A whole (non-streamed) upstream answer larger than this is refused with 502."""
MAX_ANSWER_HEADERS = 200
MAX_ANSWER_HEAD_BYTES = 64 * 1024
"""Status line and headers of an answer (interim answers included); larger: 502."""
MAX_EVENT_LINE_BYTES = 1024 * 1024
"""One line of an event stream; longer: the stream ends with an upstream error."""
STREAM_BUFFER_BYTES = 1024 * 1024
"""Stream bytes buffered for a slow client before the pool stops reading the upstream."""
CONNECT_TIMEOUT = 30.0


class UpstreamError(Exception):
    """The upstream could not be reached, answered malformed HTTP, or broke off its answer."""


class _ClosedBeforeAnswer(UpstreamError):
    """A reused connection was closed by the upstream before any byte of the answer: safe to retry."""


class UpstreamAnswer:
    """The status and headers of an upstream answer, and its whole body or its open stream."""

    __slots__ = ("body", "headers", "status", "stream")

    def __init__(self, status: int, headers: Headers, body: bytes, stream: UpstreamStream | None) -> None:
        self.status = status
        self.headers = headers
        """Header fields, names in lower case."""
        self.body = body
        self.stream = stream
        """The body still arriving (an event stream), or None when ``body`` is the whole body."""

    def header(self, name: bytes) -> bytes | None:
        """The first value of header ``name`` (lower case), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None


class UpstreamStream:
    """The body of a streamed answer as it arrives. :meth:`fail` wakes the reader with an error."""

    def __init__(self, connection: UpstreamConnection) -> None:
        self._connection = connection
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._eof = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None

    async def read(self) -> bytes:
        """The bytes received since the last read; ``b""`` at the end of the body."""
        while True:
            if self._error is not None:
                raise self._error
            if self._chunks:
                data = b"".join(self._chunks)
                self._chunks.clear()
                self._buffered = 0
                self._connection.resume()
                return data
            if self._eof:
                return b""
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def fail(self, error: BaseException) -> None:
        """Make the next (or the pending) :meth:`read` raise ``error``, even if bytes are buffered."""
        if self._error is None and (not self._eof or self._chunks):
            self._error = error
            self._wake()

    def close(self) -> None:
        """Stop reading: the connection is closed unless the body had already ended."""
        if not self._eof:
            self._connection.abort()

    def _feed(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered > STREAM_BUFFER_BYTES:
            self._connection.pause()
        self._wake()

    def _end(self) -> None:
        self._eof = True
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class UpstreamConnection(asyncio.Protocol):
    """One keep-alive connection to the upstream; one request at a time."""

    def __init__(self, pool: UpstreamPool) -> None:
        self._pool = pool
        self._parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._answer: asyncio.Future[UpstreamAnswer] | None = None
        self._stream_wanted = False
        self._head_request = False
        self._received = 0
        self._status = 0
        self._headers: Headers = []
        self._body: list[bytes] = []
        self._size = 0
        self._delimited = True
        self._stream: UpstreamStream | None = None
        self._reading_paused = False
        self.last_data = 0.0
        """Loop time of the last bytes from the upstream (or of the request) in this exchange."""

    # ---- one exchange ------------------------------------------------------------------------
    def exchange(self, request: bytes, *, stream: bool, head: bool) -> asyncio.Future[UpstreamAnswer]:
        """Send ``request`` (complete bytes); the future gets the answer (or an :class:`UpstreamError`)."""
        assert self.transport is not None and self._answer is None
        loop = asyncio.get_running_loop()
        self._answer = loop.create_future()
        self._stream_wanted, self._head_request = stream, head
        self._received = 0
        self._stream = None
        self.last_data = loop.time()
        self._pool.busy.add(self)
        self.transport.write(request)
        return self._answer

    def check_silence(self, now: float, timeout: float) -> None:
        """Give up on the answer if the upstream has sent nothing for ``timeout`` seconds."""
        if now - self.last_data >= timeout:
            self._fail(UpstreamError(f"the upstream sent nothing for {timeout:g} s"))
            self.abort()

    def _finish_exchange(self) -> None:
        self._pool.busy.discard(self)
        self._answer = None
        self._stream = None

    def _fail(self, error: UpstreamError) -> None:
        answer, stream = self._answer, self._stream
        self._finish_exchange()
        if answer is not None and not answer.done():
            answer.set_exception(error)
        if stream is not None:
            stream.fail(error)

    # ---- asyncio.Protocol --------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio subclasses

    def data_received(self, data: bytes) -> None:
        if self._answer is None and self._stream is None:
            self.abort()  # bytes nobody asked for: the connection's framing cannot be trusted
            return
        self._received += len(data)
        self.last_data = asyncio.get_running_loop().time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError(f"the upstream answered malformed HTTP: {exc}"))
            self.abort()
            return
        if self._status == 0 and self._received > MAX_ANSWER_HEAD_BYTES:
            # httptools buffers a header value whole until it ends (and only MAX_ANSWER_HEADERS
            # counts fields): one endless header would grow without bound.
            self._fail(
                UpstreamError(f"the upstream's answer headers are larger than {MAX_ANSWER_HEAD_BYTES} bytes")
            )
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._answer is None and self._stream is None:
            return
        if self._received == 0:
            self._fail(_ClosedBeforeAnswer("the upstream closed the connection before answering"))
        elif self._status and not self._delimited:
            self._complete()  # a body delimited by the end of the connection (no length, not chunked)
        else:
            self._fail(UpstreamError("the upstream closed the connection in the middle of its answer"))

    def pause(self) -> None:
        """Stop reading from the upstream (a slow client is behind)."""
        if not self._reading_paused and self.transport is not None and not self.closed:
            self._reading_paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        """Read from the upstream again."""
        if self._reading_paused and self.transport is not None and not self.closed:
            self._reading_paused = False
            self.transport.resume_reading()

    def abort(self) -> None:
        """Close at once, mid-answer or not; the connection is never reused."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    # ---- httptools callbacks -----------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._status = 0
        self._headers = []
        self._body = []
        self._size = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), value))
        if len(self._headers) > MAX_ANSWER_HEADERS:
            self._fail(UpstreamError(f"the upstream sent more than {MAX_ANSWER_HEADERS} headers"))
            self.abort()

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if status < 200:
            return  # an interim answer (100 Continue, 103 Early Hints): the real one follows
        self._status = status
        self._delimited = status in (204, 304) or any(
            key in (b"content-length", b"transfer-encoding") for key, _value in self._headers
        )
        if self._head_request:
            self._complete()
            self.abort()  # the parser would wait for a body a HEAD answer does not have
            return
        if self._stream_wanted and status == 200:
            content_type = next((v for k, v in self._headers if k == b"content-type"), b"")
            if b"text/event-stream" in content_type and self._answer is not None:
                self._stream = UpstreamStream(self)
                answer, self._answer = self._answer, None
                if not answer.done():
                    answer.set_result(UpstreamAnswer(status, self._headers, b"", self._stream))

    def on_body(self, body: bytes) -> None:
        if self._stream is not None:
            self._stream._feed(body)
            return
        self._size += len(body)
        if self._size > MAX_ANSWER_BYTES:
            self._fail(UpstreamError(f"the upstream's answer is larger than {MAX_ANSWER_BYTES} bytes"))
            self.abort()
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._status == 0:
            return  # end of an interim answer
        keep_alive = self._parser.should_keep_alive()
        self._complete()
        if keep_alive and not self.closed:
            self._pool.release(self)
        else:
            self.abort()

    def _complete(self) -> None:
        answer, stream = self._answer, self._stream
        body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        self._finish_exchange()
        if stream is not None:
            stream._end()
        elif answer is not None and not answer.done():
            answer.set_result(UpstreamAnswer(self._status, self._headers, body, None))


class UpstreamPool:
    """Keep-alive connections to one upstream base URL (``http(s)://host:port/prefix``)."""

    def __init__(self, base_url: str, timeout: float, max_idle: int = 256) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream {base_url!r} is not an http(s) URL")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/").encode("ascii")
        """The base path every forwarded path is appended to (e.g. ``/v1``)."""
        self.host_header = f"Host: {parts.netloc}\r\n".encode("ascii", "replace")
        self.timeout = timeout
        self._ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self._max_idle = max_idle
        self._idle: list[UpstreamConnection] = []
        self.busy: set[UpstreamConnection] = set()
        """Connections waiting for (or reading) an answer: the watchdog checks them for silence."""
        self._watchdog: asyncio.Task[None] | None = None

    async def send(self, request: bytes, *, stream: bool = False, head: bool = False) -> UpstreamAnswer:
        """Send complete request bytes and return the answer (see :class:`UpstreamAnswer`).

        Raises :class:`UpstreamError`; when the awaiting task is cancelled, the connection is closed
        (its answer is abandoned).
        """
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().create_task(self._watch())
        for _attempt in range(2):
            connection = self._idle_connection()
            reused = connection is not None
            if connection is None:
                connection = await self._connect()
            pending = connection.exchange(request, stream=stream, head=head)
            try:
                return await pending
            except _ClosedBeforeAnswer:
                if reused:
                    continue  # the upstream had just closed the idle connection: use a fresh one
                raise
            except BaseException:
                connection.abort()
                raise
        raise UpstreamError("the upstream closed two connections in a row before answering")

    async def _watch(self) -> None:
        # One sweep a fraction of the timeout apart, instead of a timer per request on the hot path.
        loop = asyncio.get_running_loop()
        interval = min(1.0, self.timeout / 10)
        while True:
            await asyncio.sleep(interval)
            now = loop.time()
            for connection in list(self.busy):
                connection.check_silence(now, self.timeout)

    def _idle_connection(self) -> UpstreamConnection | None:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
        return None

    async def _connect(self) -> UpstreamConnection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                _transport, connection = await loop.create_connection(
                    lambda: UpstreamConnection(self),
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=self.host if self._ssl else None,
                )
        except TimeoutError as exc:
            raise UpstreamError(
                f"cannot connect to {self.host}:{self.port} within {CONNECT_TIMEOUT:g} s"
            ) from exc
        except OSError as exc:
            raise UpstreamError(f"cannot connect to {self.host}:{self.port}: {exc.strerror or exc}") from exc
        return connection

    def release(self, connection: UpstreamConnection) -> None:
        """Keep a connection whose answer is complete for the next request."""
        if len(self._idle) < self._max_idle:
            self._idle.append(connection)
        else:
            connection.abort()

    def close(self) -> None:
        """Close the idle connections and stop the watchdog."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        while self._idle:
            self._idle.pop().abort()
