"""Reading requests off one client connection: httptools' callbacks, within the gateway's limits.

:class:`RequestReader` turns the bytes a connection receives into :class:`GatewayRequest` objects
and refuses, through its :class:`RequestSink` (the connection of :mod:`.http_server`), what it
will not read: heads over 64 KiB or 200 fields (414, 431), bodies over ``max_body_bytes`` (413),
a Host header missing or doubled (400), transfer codings other than chunked (501), endless chunk
extensions or trailers (431). Trailer fields are dropped.
"""

from __future__ import annotations

from typing import Protocol

import httptools

from tongzhou.gateway.gateway_request import GatewayRequest
from tongzhou.gateway.http_wire import Headers

MAX_HEAD_BYTES = 64 * 1024
"""Request line and headers together (larger: 414 or 431, then the connection closes)."""
MAX_HEADERS = 200
CHUNK_FRAMING_BYTES = 64
"""Bytes of framing allowed per chunk of a chunked body (size line and CRLFs; more is extensions)."""
DISCARD_LIMIT = 16 * 1024 * 1024
"""Bytes of an oversized body read and thrown away (so the client sees the 413) before closing."""


class RequestSink(Protocol):
    """What a :class:`RequestReader` needs of its connection."""

    last_active: float
    """When the connection last received data (the start of a request's head and body timers)."""

    @property
    def closing(self) -> bool:
        """Whether no more requests will be read (after a refusal, a half-close, a lost client)."""
        ...

    @property
    def idle(self) -> bool:
        """Whether no request is being answered (an interim ``100 Continue`` may be written)."""
        ...

    def refuse(self, status: int, message: str, code: str) -> None:
        """Answer a request that could not be read, after the answers before it, then close."""

    def send_continue(self) -> None:
        """Write the interim ``100 Continue``."""

    def deliver(self, request: GatewayRequest) -> None:
        """Take one complete request to answer in turn."""


class RequestReader:
    """httptools' callbacks for one connection: bytes in, :class:`GatewayRequest` objects out."""

    # The request being parsed (see _new_message).
    _url: bytes
    _headers: Headers
    _body: list[bytes]
    _body_size: int
    _too_large: bool
    _expect_continue: bool
    _head_bytes: int
    _header_bytes: int
    _framing_bytes: int
    _chunks: int
    _hosts: int

    def __init__(self, sink: RequestSink, max_body_bytes: int) -> None:
        self._sink = sink
        self._max_body = max_body_bytes
        self._parser = httptools.HttpRequestParser(self)
        self.remote: str | None = None
        """The client's address, as requests carry it (set once the connection is made)."""
        self.in_head = False
        self.in_body = False
        """Head done, message not yet complete (body, chunk framing, trailers)."""
        self._messages = 0
        self.message_started = self.body_started = 0.0
        """When the request's head and body began to arrive (for the header and body timeouts)."""
        self._new_message()

    def feed(self, data: bytes) -> None:
        """Parse one read; raises httptools' errors (``HttpParserUpgrade`` for a protocol switch)."""
        in_head, in_body, messages, body_size = self.in_head, self.in_body, self._messages, self._body_size
        self._parser.feed_data(data)
        if messages == self._messages:
            if in_head and self.in_head:
                # The whole chunk was part of one unfinished head, which httptools buffers itself.
                # (The chunk in which a head begins is not counted: memory stays bounded by one
                # read, and an incomplete request is closed by the header timeout.)
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD_BYTES:
                    self._sink.refuse(
                        431, f"request headers larger than {MAX_HEAD_BYTES} bytes", "headers_too_large"
                    )
            elif in_body and self.in_body:
                self._count_framing(len(data) - (self._body_size - body_size))

    # ---- httptools callbacks -----------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._new_message()
        self.in_head = True
        self._messages += 1
        self.message_started = self._sink.last_active  # the time of this read: no clock call per request

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > MAX_HEAD_BYTES:
            self._sink.refuse(414, f"request target longer than {MAX_HEAD_BYTES} bytes", "uri_too_long")

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.in_head:
            # A trailer field (after a chunked body). Merged into the headers it would reach the
            # upstream as a header that no check of the head saw (smuggled Authorization,
            # Content-Type...); RFC 9110 §6.5.1 lets a recipient discard trailers, so they are.
            return
        name = name.lower()  # once here, so that every later look-up compares bytes as they are
        self._headers.append((name, value))
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > MAX_HEAD_BYTES or len(self._headers) > MAX_HEADERS:
            self._sink.refuse(
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
            self._sink.refuse(
                501, "only Transfer-Encoding: chunked is supported", "unsupported_transfer_coding"
            )

    def on_headers_complete(self) -> None:
        self.in_head = False
        self.in_body = True
        self.body_started = self._sink.last_active
        if self._hosts != 1 and self._parser.get_http_version() == "1.1":
            # RFC 9112 §3.2: a 1.1 request without Host, or with two (which one would a chain of
            # proxies route by?), is answered 400. The gateway sends its own Host upstream anyway.
            count = "none" if self._hosts == 0 else "more than one"
            message = f"an HTTP/1.1 request needs exactly one Host header; it has {count}"
            self._sink.refuse(400, message, "bad_host")
            return
        if self._expect_continue and self._sink.idle:
            # Only when idle: an interim answer must not land in the middle of an earlier answer.
            if self._too_large:
                self._sink.refuse(413, self.too_large_message(), "body_too_large")
            else:
                self._sink.send_continue()

    def on_chunk_header(self) -> None:
        self._chunks += 1

    def on_body(self, body: bytes) -> None:
        self._body_size += len(body)
        if self._too_large:
            if self._body_size > DISCARD_LIMIT:
                self._sink.refuse(413, self.too_large_message(), "body_too_large")
            return
        if self._body_size > self._max_body:
            self._too_large = True
            self._body = []
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        self.in_body = False
        if self._sink.closing:
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
            self.remote,
            (413, self.too_large_message(), "body_too_large") if self._too_large else None,
        )
        if request.error is not None:
            request.keep_alive = False  # the client may still be sending; start afresh
        self._sink.deliver(request)

    # ---- per request and limits ---------------------------------------------------------------
    def _new_message(self) -> None:
        """Forget the last request's parts and counts."""
        self._url = b""
        self._headers = []
        self._body = []
        self._body_size = 0
        self._too_large = False
        self._expect_continue = False
        self._head_bytes = self._header_bytes = 0
        self._framing_bytes = self._chunks = 0
        self._hosts = 0

    def _count_framing(self, size: int) -> None:
        """Bound what a chunked body carries besides its data: httptools does not limit chunk
        extensions, and buffers each trailer field whole, so an endless one would grow without end."""
        self._framing_bytes += size
        if self._framing_bytes > MAX_HEAD_BYTES + CHUNK_FRAMING_BYTES * self._chunks:
            message = f"chunk extensions and trailer fields larger than {MAX_HEAD_BYTES} bytes"
            self._sink.refuse(431, message, "headers_too_large")

    def too_large_message(self) -> str:
        """The 413's message, naming the limit."""
        return f"request body larger than {self._max_body} bytes (max_body_bytes in gateway.yaml)"
