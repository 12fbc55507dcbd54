"""Administration: accounts and organisations (admins only, past the second factor)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from tongzhou.errors import InputError
from tongzhou.portal.app import require, viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rendering import render
from tongzhou.portal.request_body import read_form
from tongzhou.portal.roles import ACCOUNT_ROLES, Role
from tongzhou.portal.viewer import Viewer

router = APIRouter(include_in_schema=False)


def _ctx(request: Request) -> PortalContext:
    ctx: PortalContext = request.app.state.portal
    return ctx


def _page(
    request: Request,
    viewer: Viewer,
    status: int = 200,
    problem: PortalProblem | None = None,
    done: str | None = None,
) -> Response:
    ctx = _ctx(request)
    return render(
        request,
        viewer,
        "admin.html",
        status=status,
        accounts=ctx.accounts.accounts(),
        organisations=ctx.accounts.organisations(),
        roles=[r.value for r in ACCOUNT_ROLES],
        problem=problem,
        done=done,
    )


@router.get("/admin")
def admin_page(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.admin)
    return _page(request, viewer)


@router.post("/admin/accounts")
async def add_account(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.admin)
    form = await read_form(request)
    try:
        await run_in_threadpool(
            _ctx(request).accounts.add_account,
            form.get("name", ""),
            form.get("password", ""),
            form.get("role", ""),
            form.get("organisation") or None,
        )
    except InputError:
        problem = PortalProblem(
            422,
            "The account could not be created: check the name, role, organisation and a password of at least 12 characters.",  # noqa: E501
        )
        return _page(request, viewer, 422, problem)
    return _page(request, viewer, 201, done=form.get("name", ""))


@router.post("/admin/organisations")
async def add_organisation(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.admin)
    form = await read_form(request)
    try:
        await run_in_threadpool(
            _ctx(request).accounts.add_organisation, form.get("id", ""), form.get("name", "")
        )
    except InputError:
        problem = PortalProblem(422, "The organisation could not be created: check its id and name.")
        return _page(request, viewer, 422, problem)
    return _page(request, viewer, 201, done=form.get("id", ""))
