"""Periodic re-assessment in the portal: the overdue dashboard ``/reassess`` (JSON at
``/api/v1/reassess/overdue``) and a system's review history with its trend chart
``/systems/{id}/assessments`` (JSON at ``/api/v1/systems/{id}/assessments``).
Access: :mod:`tongzhou.portal.reassess_view`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tongzhou.portal.app import viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.reassess_view import OverdueBoard, overdue_board, trend_chart
from tongzhou.portal.rendering import render
from tongzhou.portal.system_view import parse_day
from tongzhou.portal.viewer import Viewer
from tongzhou.portal.visibility import sees_restricted
from tongzhou.portal.workspace_access import require_workspace_access

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["re-assessment"])


def _board(request: Request, viewer: Viewer) -> OverdueBoard:
    ctx: PortalContext = request.app.state.portal
    today = parse_day(request.query_params.get("as_of")) or dt.datetime.now(dt.UTC).date()
    return overdue_board(ctx.store, today, sees_restricted=sees_restricted(viewer.role))


def _history(request: Request, viewer: Viewer, system_id: str) -> tuple[Any, list[Any], list[Any]]:
    from tongzhou.errors import TongzhouError
    from tongzhou.reassess import get_plan, history, open_flags

    ctx: PortalContext = request.app.state.portal
    require_workspace_access(ctx.store, viewer, system_id)
    try:
        plan = get_plan(ctx.store, system_id)
    except TongzhouError:
        plan = None
    return plan, history(ctx.store, system_id), open_flags(ctx.store, system_id)


@pages.get("/reassess")
async def overdue_page(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    board = await run_in_threadpool(_board, request, viewer)
    return render(request, viewer, "reassess.html", board=board)


@api.get(
    "/reassess/overdue", summary="Reviews of public-sector systems past due, and those due soon (`?as_of=`)."
)
async def overdue_json(request: Request, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    board = await run_in_threadpool(_board, request, viewer)
    return JSONResponse(board.to_dict())


@pages.get("/systems/{system_id}/assessments")
async def history_page(request: Request, system_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    plan, entries, flags = await run_in_threadpool(_history, request, viewer, system_id)
    return render(
        request,
        viewer,
        "assessments.html",
        system_id=system_id,
        plan=plan,
        entries=list(reversed(entries)),
        chart=trend_chart(entries),
        flags=flags,
    )


@api.get(
    "/systems/{system_id}/assessments", summary="A system's review plan, reviews and items needing review."
)
async def history_json(request: Request, system_id: str, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    plan, entries, flags = await run_in_threadpool(_history, request, viewer, system_id)
    return JSONResponse(
        {
            "system_id": system_id,
            "plan": None if plan is None else plan.to_dict(),
            "assessments": [e.to_dict() for e in entries],
            "needs_review": [f.to_dict() for f in flags],
        }
    )
