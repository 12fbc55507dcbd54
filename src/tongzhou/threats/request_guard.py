"""What a request must be before any TAXII route sees it, checked once for every route.

* ``Accept`` must allow TAXII 2.1 JSON (406 otherwise, TAXII 2.1 §1.6.8);
* the target is at most :data:`MAX_TARGET_BYTES` long (414): a filter list longer than that is
  better split into several requests, and the database never sees a huge ``IN`` list;
* no NUL or other C0 control character in the path or the query (400): PostgreSQL cannot hold a
  NUL in text, so without this check the same request was a 500 there and a 404 on SQLite;
* a query parameter appears once (400): TAXII 2.1 §3.4 separates several values of one filter by
  commas, and a repeated ``match[type]`` used to keep only its last value, silently;
* ``HEAD`` is answered as ``GET`` without the body (RFC 9110 §9.3.2).

Every refusal is a TAXII error message; responses are tagged with the worker's pid.
(Pure ASGI, not ``BaseHTTPMiddleware``, which re-streams every response body through a queue.)
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tongzhou.threats.media import TAXII_MEDIA_TYPE, accept_ok
from tongzhou.threats.taxii_errors import TaxiiError, error_response

MAX_TARGET_BYTES = 16 * 1024
"""Longest request target (path and query, as sent) the server reads; longer → 414."""
_CONTROL = frozenset(chr(c) for c in range(0x20)) | {"\x7f"}


def request_problem(scope: Scope) -> TaxiiError | None:
    """Why this HTTP request is refused before routing, or None when it may proceed."""
    accept = None
    for name, value in scope["headers"]:
        if name == b"accept":
            accept = value.decode("latin-1")
    if not accept_ok(accept):
        return TaxiiError(
            406, "Not Acceptable", f"this server answers {TAXII_MEDIA_TYPE} (Accept was {accept!r})"
        )
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    query: bytes = scope.get("query_string", b"")
    if len(raw_path) + len(query) > MAX_TARGET_BYTES:
        detail = f"the request target may be at most {MAX_TARGET_BYTES} bytes; split the filters"
        return TaxiiError(414, "URI Too Long", detail)
    if not _CONTROL.isdisjoint(scope["path"]):
        return TaxiiError(400, "Bad request", "the path holds a control character (such as NUL)")
    seen: set[str] = set()
    for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8"):
        if not _CONTROL.isdisjoint(key) or not _CONTROL.isdisjoint(value):
            detail = f"query parameter {key!r} holds a control character (such as NUL)"
            return TaxiiError(400, "Bad request", detail)
        if key in seen:
            detail = f"{key} is given twice: separate several values with commas (TAXII 2.1 §3.4)"
            return TaxiiError(400, "Bad request", detail)
        seen.add(key)
    return None


class RequestGuardMiddleware:
    """Refuses what :func:`request_problem` finds; serves ``HEAD`` as ``GET``; tags the worker."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.worker = str(os.getpid()).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-tongzhou-worker", self.worker)]
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        problem = request_problem(scope)
        if problem is not None:
            await error_response(problem)(scope, receive, tagged_send)
            return
        if head:
            scope = {**scope, "method": "GET"}
        await self.app(scope, receive, tagged_send)
