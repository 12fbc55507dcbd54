"""The REST API (``/api/v1``): JSON over the same services as the pages."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from tongzhou.portal.app import require, viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.registry_search import DEFAULT_PAGE, RegistryFilter, search_registry
from tongzhou.portal.request_body import MAX_UPLOAD_BYTES, read_limited
from tongzhou.portal.roles import Role
from tongzhou.portal.system_registration import register_system
from tongzhou.portal.system_view import parse_day, system_view
from tongzhou.portal.viewer import Viewer
from tongzhou.portal.visibility import sees_restricted

router = APIRouter(tags=["registry"])


def _ctx(request: Request) -> PortalContext:
    ctx: PortalContext = request.app.state.portal
    return ctx


def page_size(request: Request) -> int:
    """``?limit=`` (1–100; 400 when it is not a number)."""
    raw = request.query_params.get("limit")
    if raw is None:
        return DEFAULT_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise PortalProblem(400, "limit must be a whole number from 1 to 100.")
    return int(raw)


@router.get("/systems", summary="Search the registry (keyset paging: follow `next`).")
def list_systems(request: Request, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    flt = RegistryFilter.from_params(dict(request.query_params))
    page = search_registry(
        _ctx(request).store,
        flt,
        include_restricted=sees_restricted(viewer.role),
        after=request.query_params.get("after"),
        limit=page_size(request),
    )
    next_url = None
    if page.next_after:
        next_url = f"{request.url.path}?" + urlencode({**flt.params(), "after": page.next_after})
    return JSONResponse({"systems": [s.to_dict() for s in page.systems], "next": next_url})


@router.get(
    "/systems/{system_id}", summary="One system: profile, classification as of a day, evaluations, incidents."
)
def get_system(request: Request, system_id: str, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    view = system_view(
        _ctx(request),
        system_id,
        sees_restricted=sees_restricted(viewer.role),
        as_of=parse_day(request.query_params.get("as_of")),
    )
    return JSONResponse(view.to_dict())


@router.post("/systems", status_code=201, summary="Register a system (providers): a profile as JSON.")
async def post_system(request: Request, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    require(viewer, Role.provider, Role.admin)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise PortalProblem(415, "Send the profile as application/json.")
    body = await read_limited(request, MAX_UPLOAD_BYTES)
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise PortalProblem(400, "The body is not valid JSON.") from None
    assert viewer.account is not None
    outcome = await run_in_threadpool(register_system, _ctx(request), data, viewer.account)
    return JSONResponse({"id": outcome.system_id, "result": outcome.result}, status_code=201)


@router.get("/me", summary="Who the token or session belongs to.")
def me(viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    require(viewer, Role.provider, Role.evaluator, Role.regulator, Role.admin)
    assert viewer.account is not None
    return JSONResponse(
        {
            "name": viewer.account.name,
            "role": viewer.account.role.value,
            "organisation": viewer.account.organisation_id,
        }
    )
