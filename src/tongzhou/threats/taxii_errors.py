"""TAXII 2.1 error messages (§3.6.1): every refusal the server makes, in the TAXII media type.

Used by the routes and by the middleware that refuses a request before any route sees it, so a
client never gets a plain-text error from this server, whatever it sends.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tongzhou.threats.media import TAXII_MEDIA_TYPE
from tongzhou.threats.wire_json import encode_json

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="taxii", Basic realm="taxii"'}
"""The ``WWW-Authenticate`` header of every 401."""


class TaxiiError(Exception):
    """An error answered as a TAXII error message."""

    def __init__(self, status: int, title: str, description: str = "", headers: dict[str, str] | None = None):
        super().__init__(title)
        self.status, self.title, self.description, self.headers = status, title, description, headers or {}


def taxii_response(
    body: dict[str, Any] | str | None, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A response with the TAXII 2.1 media type."""
    content = body if isinstance(body, str) else ("" if body is None else encode_json(body))
    return Response(content=content, status_code=status, media_type=TAXII_MEDIA_TYPE, headers=headers)


def error_response(exc: TaxiiError) -> Response:
    """The TAXII error message for ``exc``."""
    body = {"title": exc.title, "http_status": str(exc.status)}
    if exc.description:
        body["description"] = exc.description
    return taxii_response(body, exc.status, exc.headers)


def error_bytes(status: int, title: str, description: str) -> bytes:
    """A TAXII error message body as bytes (for the HTTP layer, below the app)."""
    return encode_json({"title": title, "http_status": str(status), "description": description}).encode()


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error on ``app`` as a TAXII error message, never as plain text."""

    async def taxii_error(_request: Request, exc: TaxiiError) -> Response:
        return error_response(exc)

    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(TaxiiError(exc.status_code, str(exc.detail)))

    async def server_error(_request: Request, exc: Exception) -> Response:
        # Any error no route anticipated is still a TAXII error message, never a plain-text 500;
        # Starlette re-raises it after this response, so it is logged with its traceback.
        return error_response(TaxiiError(500, "Internal server error", type(exc).__name__))

    async def validation_error(_request: Request, exc: RequestValidationError) -> Response:
        return error_response(TaxiiError(400, "Bad request", str(exc.errors())[:500]))

    app.exception_handler(TaxiiError)(taxii_error)
    app.exception_handler(StarletteHTTPException)(http_error)
    app.exception_handler(Exception)(server_error)
    app.exception_handler(RequestValidationError)(validation_error)
