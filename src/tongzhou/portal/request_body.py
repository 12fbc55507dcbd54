"""Reading a request body with a size limit (413 as soon as it is known to be too large)."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import ClientDisconnect, Request

from tongzhou.portal.problems import PortalProblem

MAX_FORM_BYTES = 64 * 1024
"""Largest form post (a login, a short text)."""
MAX_UPLOAD_BYTES = 1024 * 1024
"""Largest JSON upload (a system profile, a DSSE envelope with its bundle)."""


async def read_limited(request: Request, limit: int) -> bytes:
    """The body (read once, then cached on the request); :class:`PortalProblem` 413 past ``limit``."""
    cached: bytes | None = getattr(request, "_body", None)
    if cached is not None:
        if len(cached) > limit:
            raise PortalProblem(413, "The request body is too large (at most {limit} bytes).", limit=limit)
        return cached
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PortalProblem(413, "The request body is too large (at most {limit} bytes).", limit=limit)
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PortalProblem(
                    413, "The request body is too large (at most {limit} bytes).", limit=limit
                )
            chunks.append(chunk)
    except ClientDisconnect:
        raise PortalProblem(400, "The request was cut off.") from None
    body = b"".join(chunks)
    request._body = body  # Starlette's own cache: request.body() now returns it
    return body


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as a dict (first value of each field)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise PortalProblem(415, "Send the form as application/x-www-form-urlencoded.")
    body = await read_limited(request, MAX_FORM_BYTES)
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise PortalProblem(400, "The form could not be read.") from None
    return {name: values[0] for name, values in parsed.items()}
