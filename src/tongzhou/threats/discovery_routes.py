"""TAXII 2.1 §4 server information: discovery, the API root, and Status resources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tongzhou.threats.auth import Caller
from tongzhou.threats.media import TAXII_MEDIA_TYPE
from tongzhou.threats.server_config import ServerConfig
from tongzhou.threats.taxii_access import api_root_name, context, signed_in_caller
from tongzhou.threats.taxii_errors import TaxiiError, taxii_response

router = APIRouter()


@router.get("/taxii2/")
def discovery(request: Request) -> Response:
    """§4.1 Server Discovery."""
    config = context(request).config
    base = public_base_url(config, request)
    return taxii_response(
        {
            "title": config.title,
            "description": config.description,
            "default": f"{base}{config.api_roots[0]}/",
            "api_roots": [f"{base}{root}/" for root in config.api_roots],
        }
    )


@router.get("/{root}/")
def api_root(request: Request, root: str) -> Response:
    """§4.2 API Root Information."""
    config = context(request).config
    api_root_name(request, root)
    return taxii_response(
        {
            "title": f"{config.title}: {root}",
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": config.max_content_length,
        }
    )


@router.get("/{root}/status/{status_id}/")
def status(
    request: Request, caller: Annotated[Caller, Depends(signed_in_caller)], root: str, status_id: str
) -> Response:
    """§4.3 Status: only who posted the request (or an admin) may read it."""
    repo = context(request).repository
    body = repo.status(api_root_name(request, root), status_id, None if caller.is_admin else caller.name)
    if body is None:
        raise TaxiiError(404, "Not found", f"no status {status_id!r}")
    return taxii_response(body)


def public_base_url(config: ServerConfig, request: Request) -> str:
    """The base URL for links in responses, ending in ``/``: configured, else the listening address."""
    if config.public_url:
        return config.public_url.rstrip("/") + "/"
    host, port = request.scope.get("server") or ("127.0.0.1", None)
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}.get(request.url.scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{request.url.scheme}://{netloc}{request.scope.get('root_path', '')}/"
