"""The HTTP/1.1 connection handling under the TAXII app: uvicorn's, with a deadline for headers and
TAXII error messages for what uvicorn refuses itself.

uvicorn waits for a request's headers for as long as the client likes: 3,000 connections that
sent half a request line stayed open over a minute, and ~20,000 used up the process's file
descriptors (issue 20). Here a connection must deliver each request's headers within
:data:`HEADER_TIMEOUT_S` of opening (or of the previous response), else it gets 408 and is closed,
and in at most :data:`MAX_HEAD_BYTES` (else 431).
One client (one IP address) may hold at most :data:`MAX_CONNECTIONS_PER_CLIENT` connections to a
worker at once; a connection beyond that is answered 429 with ``Retry-After`` and closed before any
request on it is read. HTTP/1.1 serves one request at a time per connection, so this caps a
client's concurrent requests too. (Behind a reverse proxy every client has the proxy's address:
raise the cap there, or set it to 0 and let the proxy count.)
The body's own deadline is the app's (``ServerConfig.body_timeout_s``). What the parser rejects
(a malformed request, a request line or header over the parser's limits) is answered as a TAXII
error message instead of uvicorn's plain text.

Use it with ``uvicorn.run(..., http=TAXII_HTTP_PROTOCOL)`` (``tongzhou threats serve`` does) or
``uvicorn --http tongzhou.threats.http_protocol:TaxiiHttpProtocol``.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tongzhou.threats.media import TAXII_MEDIA_TYPE
from tongzhou.threats.taxii_errors import error_bytes

HEADER_TIMEOUT_ENV = "TONGZHOU_TAXII_HEADER_TIMEOUT"
HEADER_TIMEOUT_S = 10.0
"""Seconds a connection has to deliver a request's headers (env ``TONGZHOU_TAXII_HEADER_TIMEOUT``)."""
MAX_CONNECTIONS_ENV = "TONGZHOU_TAXII_MAX_CONNECTIONS_PER_CLIENT"
MAX_CONNECTIONS_PER_CLIENT = 64
"""Connections one client address may hold open to one worker (env
``TONGZHOU_TAXII_MAX_CONNECTIONS_PER_CLIENT``; 0: no cap). Beyond it: 429, ``Retry-After``."""
RETRY_AFTER_S = 1
"""What a refused client is told to wait (``Retry-After``, seconds) before it connects again."""
MAX_HEAD_BYTES = 64 * 1024
"""Most bytes of request line and headers one request may take (more → 431): the HTTP parser
itself has no limit on a header's size, and a client had 10 s to send one of gigabytes."""
LINGER_S = 1.0
"""How long a refused connection stays open, dropping input, so the client can read the answer."""
TAXII_HTTP_PROTOCOL = "tongzhou.threats.http_protocol:TaxiiHttpProtocol"
"""The import string uvicorn takes as ``http=``."""

_REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
}


def _error_message(status: int, description: str, headers: dict[str, str] | None = None) -> bytes:
    body = error_bytes(status, _REASONS[status], description)
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    return (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
        f"content-type: {TAXII_MEDIA_TYPE}\r\n"
        f"content-length: {len(body)}\r\n"
        f"{extra}connection: close\r\n\r\n"
    ).encode() + body


def _connections_by_client(state: object) -> Counter[str]:
    """Open connections per client address of one uvicorn server (kept on its shared state)."""
    counts: Counter[str] | None = getattr(state, "taxii_connections_by_client", None)
    if counts is None:
        counts = Counter()
        setattr(state, "taxii_connections_by_client", counts)  # noqa: B010 -- uvicorn's own object
    return counts


class TaxiiHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline, a per-client connection cap and
    TAXII-shaped parser errors."""

    header_timeout_s: float = float(os.environ.get(HEADER_TIMEOUT_ENV) or HEADER_TIMEOUT_S)
    max_connections_per_client: int = int(os.environ.get(MAX_CONNECTIONS_ENV) or MAX_CONNECTIONS_PER_CLIENT)
    _counted_client: str | None = None
    """The client address this connection is counted under (None: not counted)."""
    _header_deadline: asyncio.TimerHandle | None = None
    _awaiting_head = True
    """Whether the next bytes belong to a request line or headers (counted against the limit)."""
    _head_bytes = 0
    _request_begun = False
    _refused = False
    """Whether bytes of a request arrived since the last response (else the connection is idle)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.client is not None and self.max_connections_per_client > 0:
            counts, address = _connections_by_client(self.server_state), self.client[0]
            if counts[address] >= self.max_connections_per_client:
                # Not counted itself: a client retrying while refused answers linger must get in
                # as soon as one of its served connections closes.
                self._refuse(
                    429,
                    f"{address} already holds {self.max_connections_per_client} connections to this "
                    "server; finish or close one first",
                    {"Retry-After": str(RETRY_AFTER_S)},
                )
                return
            counts[address] += 1
            self._counted_client = address
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        if self._counted_client is not None:
            counts = _connections_by_client(self.server_state)
            counts[self._counted_client] -= 1
            if counts[self._counted_client] <= 0:
                del counts[self._counted_client]
            self._counted_client = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # what the client still sends after its error, until the connection closes
        super().data_received(data)
        if not self._awaiting_head or self._refused or self.transport.is_closing():
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            self._refuse(431, f"the request line and headers may take at most {MAX_HEAD_BYTES} bytes")

    def _refuse(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        """Answer ``status`` and close; what the client sends meanwhile is read and dropped.

        (Closing at once, with the client's bytes still unread, makes the kernel reset the
        connection, and the client may never read the answer.)
        """
        self._disarm_header_deadline()
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        self.transport.write(_error_message(status, detail, headers))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)

    def on_message_begin(self) -> None:
        self._request_begun = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        self._awaiting_head, self._head_bytes = False, 0
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._request_begun, self._awaiting_head = False, True
        if not self.transport.is_closing():
            self._arm_header_deadline()  # the next request on this connection

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, f"{msg} (malformed, or a request line or header the HTTP parser refuses)")

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered (pipelined headers are checked when it is done)
        if self._request_begun:  # an idle connection is closed without an answer nobody asked for
            self._refuse(408, f"the request headers did not arrive within {self.header_timeout_s:g} s")
        else:
            self.transport.close()
