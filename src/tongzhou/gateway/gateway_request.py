"""One request as the gateway's server side hands it to the proxy and the governance endpoints."""

from __future__ import annotations

from tongzhou.gateway.http_wire import Headers


class GatewayRequest:
    """One parsed request: method, target split into path and query, headers, whole body."""

    __slots__ = ("body", "error", "headers", "keep_alive", "method", "path", "query", "remote", "version")

    def __init__(
        self,
        method: str,
        path: str,
        query: bytes,
        headers: Headers,
        body: bytes,
        keep_alive: bool,
        version: str,
        remote: str | None,
        error: tuple[int, str, str] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        """The path as sent (still percent-encoded), decoded as Latin-1 so it maps back to the bytes."""
        self.query = query
        """The query string without ``?`` (bytes, forwarded untouched)."""
        self.headers = headers
        """Header fields as received, names in lower case."""
        self.body = body
        self.keep_alive = keep_alive
        self.version = version
        self.remote = remote
        self.error = error
        """``(status, message, code)`` when the request was refused while it was read (413)."""

    def header(self, name: bytes) -> bytes | None:
        """The first value of header ``name`` (lower case), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None
