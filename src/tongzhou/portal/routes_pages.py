"""The public pages: home, the registry list, a system's page, and registering a system (providers)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import yaml
from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tongzhou.portal.app import require, viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.registry_search import RegistryFilter, facet_values, search_registry
from tongzhou.portal.rendering import render
from tongzhou.portal.request_body import read_form
from tongzhou.portal.roles import Role
from tongzhou.portal.routes_api import page_size
from tongzhou.portal.system_registration import register_system
from tongzhou.portal.system_view import parse_day, system_view
from tongzhou.portal.viewer import Viewer
from tongzhou.portal.visibility import sees_restricted

router = APIRouter(include_in_schema=False)
FILTER_FACETS = ("jurisdiction", "tier", "sector", "status")


def _ctx(request: Request) -> PortalContext:
    ctx: PortalContext = request.app.state.portal
    return ctx


@router.get("/")
def home(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    return render(request, viewer, "home.html")


@router.get("/registry")
def registry(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    ctx = _ctx(request)
    flt = RegistryFilter.from_params(dict(request.query_params))
    restricted = sees_restricted(viewer.role)
    page = search_registry(
        ctx.store,
        flt,
        include_restricted=restricted,
        after=request.query_params.get("after"),
        limit=page_size(request),
    )
    menus = ctx.filter_menus.get(restricted)
    if menus is None:
        menus = ctx.filter_menus.put(
            restricted,
            {kind: facet_values(ctx.store, kind, include_restricted=restricted) for kind in FILTER_FACETS},
        )
    next_link = None
    if page.next_after:
        next_link = "/registry?" + urlencode({**flt.params(), "after": page.next_after})
    return render(request, viewer, "registry.html", page=page, flt=flt, menus=menus, next_link=next_link)


@router.get("/systems/{system_id}")
def system_page(request: Request, system_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    view = system_view(
        _ctx(request),
        system_id,
        sees_restricted=sees_restricted(viewer.role),
        as_of=parse_day(request.query_params.get("as_of")),
    )
    return render(request, viewer, "system.html", view=view)


@router.get("/register")
def register_form(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.provider, Role.admin)
    return render(request, viewer, "register.html", profile_text="", problem=None)


@router.post("/register")
async def register_post(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.provider, Role.admin)
    form = await read_form(request)
    text = form.get("profile", "")
    try:
        data = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        problem = PortalProblem(422, "The profile must be a YAML or JSON mapping.")
        return render(request, viewer, "register.html", status=422, profile_text=text, problem=problem)
    assert viewer.account is not None
    try:
        outcome = await run_in_threadpool(
            register_system, _ctx(request), json.loads(json.dumps(data, default=str)), viewer.account
        )
    except PortalProblem as problem:
        return render(
            request, viewer, "register.html", status=problem.status, profile_text=text, problem=problem
        )
    return RedirectResponse(f"/systems/{outcome.system_id}", status_code=303)
