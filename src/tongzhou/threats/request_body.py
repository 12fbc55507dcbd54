"""The body of an Add Objects request: bounded in size and time, then decoded as a TAXII envelope."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request
from starlette.requests import ClientDisconnect

from tongzhou.threats.media import TAXII_MEDIA_TYPE, content_type_ok
from tongzhou.threats.taxii_errors import TaxiiError
from tongzhou.threats.wire_json import decode_json


async def taxii_content_type(request: Request) -> None:
    """Dependency: 415 unless the request's ``Content-Type`` is TAXII 2.1 JSON (checked before
    the caller is authenticated; ``async``: no I/O, so no trip through the thread pool)."""
    if not content_type_ok(request.headers.get("content-type")):
        raise TaxiiError(
            415,
            "Unsupported Media Type",
            f"POST a body of {TAXII_MEDIA_TYPE} (got {request.headers.get('content-type')!r})",
        )


async def read_envelope(request: Request, limit: int, timeout_s: float) -> list[Any]:
    """The ``objects`` of the posted envelope (see :func:`read_limited`); 400 for a body that is
    not JSON or not ``{"objects": [...]}``."""
    body = await read_limited(request, limit, timeout_s)
    try:
        parsed = decode_json(body)
    except ValueError as exc:
        raise TaxiiError(400, "Bad request", f"the body is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("objects", []), list):
        raise TaxiiError(400, "Bad request", 'the body must be a TAXII envelope: {"objects": [...]}')
    objects: list[Any] = parsed.get("objects", [])
    return objects


async def read_limited(request: Request, limit: int, timeout_s: float) -> bytes:
    """The request body; 413 as soon as it is known to exceed ``limit`` bytes, 408 when it has not
    all arrived ``timeout_s`` after the headers."""
    declared = request.headers.get("content-length")
    # Connection: close, as the rest of the body is not read.
    too_large = TaxiiError(
        413,
        "Payload Too Large",
        f"this API root accepts at most {limit} bytes per request",
        {"Connection": "close"},
    )
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large
                chunks.append(chunk)
    except ClientDisconnect:  # nobody is left to read an answer; a 400 keeps it out of the error log
        raise TaxiiError(400, "Bad request", "the client left before sending the whole body") from None
    except TimeoutError:
        raise TaxiiError(
            408,
            "Request Timeout",
            f"the body did not arrive within {timeout_s:g} s ({size} bytes came)",
            {"Connection": "close"},
        ) from None
    return b"".join(chunks)
