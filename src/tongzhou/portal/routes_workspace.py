"""A system's compliance workspace in the portal: the page ``/systems/{id}/workspace``, its JSON
``/api/v1/systems/{id}/workspace`` and a download of the compliance file (Markdown or JSON, by
workspace/export.py). Access: :mod:`tongzhou.portal.workspace_access`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from tongzhou.portal.app import viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rendering import render
from tongzhou.portal.request_body import read_form
from tongzhou.portal.roles import Role
from tongzhou.portal.viewer import Viewer
from tongzhou.portal.workspace_access import change_item, require_workspace_access, workspace_document

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["workspace"])
DOWNLOADS = {"md": "text/markdown; charset=utf-8", "json": "application/json"}


def _document(request: Request, viewer: Viewer, system_id: str) -> dict[str, Any] | None:
    ctx: PortalContext = request.app.state.portal
    require_workspace_access(ctx.store, viewer, system_id)
    return workspace_document(ctx.store, system_id)


@pages.get("/systems/{system_id}/workspace")
async def workspace_page(request: Request, system_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    doc = await run_in_threadpool(_document, request, viewer, system_id)
    can_edit = viewer.role in (Role.provider, Role.admin)
    return render(request, viewer, "workspace.html", system_id=system_id, doc=doc, can_edit=can_edit)


@pages.post("/systems/{system_id}/workspace")
async def workspace_change(request: Request, system_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    """Assign an item's owner and set its status (a CSRF-checked form; provider and admin only)."""
    ctx: PortalContext = request.app.state.portal
    await run_in_threadpool(require_workspace_access, ctx.store, viewer, system_id)
    if viewer.role not in (Role.provider, Role.admin):
        raise PortalProblem(403, "Regulators read the workspace; the provider keeps it.")
    form = await read_form(request)
    await run_in_threadpool(
        change_item, ctx.store, system_id, form.get("item_id", ""), form.get("owner"), form.get("status")
    )
    return RedirectResponse(f"/systems/{system_id}/workspace", status_code=303)


@pages.get("/systems/{system_id}/workspace/export")
async def workspace_export(request: Request, system_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    fmt = request.query_params.get("format", "md")
    if fmt not in DOWNLOADS:
        raise PortalProblem(400, "The format must be md or json.")
    doc = await run_in_threadpool(_document, request, viewer, system_id)
    if doc is None:
        raise PortalProblem(409, "This system has no compliance plan yet.")
    from tongzhou.workspace.export import write_export

    text = write_export(doc, fmt, None) or ""
    filename = f"{system_id}-compliance.{fmt}"
    return Response(
        text,
        media_type=DOWNLOADS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@api.get(
    "/systems/{system_id}/workspace",
    summary="A system's compliance plan: items, owners, status, evidence required vs on file.",
)
async def workspace_json(
    request: Request, system_id: str, viewer: Viewer = Depends(viewer_of)
) -> JSONResponse:
    doc = await run_in_threadpool(_document, request, viewer, system_id)
    return JSONResponse({"system_id": system_id, "compliance_file": doc})
