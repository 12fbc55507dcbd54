"""The dashboards: ``/dashboards`` (tables + server-drawn SVG charts) and their JSON under
``/api/v1/dashboards/…``; open to everyone, with Art. 49(4) systems counted for regulators only."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tongzhou.portal.app import viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.dashboard_data import DASHBOARDS, Dashboard, dashboard
from tongzhou.portal.rendering import render
from tongzhou.portal.system_view import parse_day
from tongzhou.portal.viewer import Viewer
from tongzhou.portal.visibility import sees_restricted

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["dashboards"])


def _build(request: Request, viewer: Viewer, name: str) -> Dashboard:
    ctx: PortalContext = request.app.state.portal
    today = parse_day(request.query_params.get("as_of")) or dt.datetime.now(dt.UTC).date()
    return dashboard(ctx.store, name, sees_restricted=sees_restricted(viewer.role), today=today)


@pages.get("/dashboards")
async def dashboards_page(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    boards = [await run_in_threadpool(_build, request, viewer, name) for name in DASHBOARDS]
    return render(request, viewer, "dashboards.html", boards=boards)


def _api_route(name: str, summary: str) -> None:
    async def one(request: Request, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
        board = await run_in_threadpool(_build, request, viewer, name)
        return JSONResponse(board.to_dict())

    api.add_api_route(f"/dashboards/{name}", one, methods=["GET"], summary=summary, name=name)


_api_route("systems-by-tier", "Planned systems per jurisdiction and headline tier.")
_api_route("evaluations-by-verdict", "Scored evaluation items per month, risk category and verdict.")
_api_route("incidents-by-harm", "Incidents and hazards per month and OECD harm type.")
_api_route("upcoming-dates", "Dates obligations start to bite (`?as_of=` sets today).")
