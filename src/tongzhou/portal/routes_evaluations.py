"""Signed evaluations: upload (API and the system page's form), the evaluation page, its JSON and
the raw envelope. The checks live in :mod:`tongzhou.portal.evaluations`."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from tongzhou.portal.app import API_PREFIX, require, viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.evaluation_upload import read_evaluation_upload
from tongzhou.portal.evaluations import accept_evaluation, evaluation_view, stored_evaluation
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rendering import render
from tongzhou.portal.roles import Role
from tongzhou.portal.system_view import parse_day, system_view
from tongzhou.portal.viewer import Viewer
from tongzhou.portal.visibility import sees_restricted

router = APIRouter()
UPLOADERS = (Role.evaluator, Role.admin)
"""Who may upload an evaluation (docs/portal.md's permission table)."""


def _ctx(request: Request) -> PortalContext:
    ctx: PortalContext = request.app.state.portal
    return ctx


@router.post(
    API_PREFIX + "/systems/{system_id}/evaluations",
    status_code=201,
    tags=["evaluations"],
    summary="Upload a signed evaluation (evaluators): a DSSE envelope, verified against the site's "
    "trust policy; stored only when it verifies and names this system.",
)
async def post_evaluation(
    request: Request, system_id: str, viewer: Viewer = Depends(viewer_of)
) -> JSONResponse:
    require(viewer, *UPLOADERS)
    upload = await read_evaluation_upload(request)
    assert viewer.account is not None
    evaluation_id = await run_in_threadpool(
        accept_evaluation, _ctx(request), system_id, upload, viewer.account
    )
    return JSONResponse(
        {"id": evaluation_id, "url": f"/evaluations/{evaluation_id}"},
        status_code=201,
        headers={"Location": f"{API_PREFIX}/evaluations/{evaluation_id}"},
    )


@router.post("/systems/{system_id}/evaluations", include_in_schema=False)
async def post_evaluation_form(
    request: Request, system_id: str, viewer: Viewer = Depends(viewer_of)
) -> Response:
    require(viewer, *UPLOADERS)
    assert viewer.account is not None
    try:
        upload = await read_evaluation_upload(request)
        evaluation_id = await run_in_threadpool(
            accept_evaluation, _ctx(request), system_id, upload, viewer.account
        )
    except PortalProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        view = system_view(
            _ctx(request), system_id, sees_restricted=sees_restricted(viewer.role), as_of=parse_day(None)
        )
        return render(request, viewer, "system.html", status=problem.status, view=view, problem=problem)
    return RedirectResponse(f"/evaluations/{evaluation_id}", status_code=303)


@router.get("/evaluations/{evaluation_id}", include_in_schema=False)
def evaluation_page(request: Request, evaluation_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    view = evaluation_view(_ctx(request), evaluation_id, sees_restricted=sees_restricted(viewer.role))
    return render(request, viewer, "evaluation.html", ev=view)


@router.get(
    API_PREFIX + "/evaluations/{evaluation_id}",
    tags=["evaluations"],
    summary="One signed evaluation: verdicts, the key and policy that verified it, the recognition view.",
)
def get_evaluation(request: Request, evaluation_id: str, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    view = evaluation_view(_ctx(request), evaluation_id, sees_restricted=sees_restricted(viewer.role))
    return JSONResponse(view.to_dict())


@router.get(
    API_PREFIX + "/evaluations/{evaluation_id}/envelope",
    tags=["evaluations"],
    summary="The DSSE envelope exactly as uploaded (.dsse.json).",
)
def get_envelope(request: Request, evaluation_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    row = stored_evaluation(_ctx(request), evaluation_id, sees_restricted=sees_restricted(viewer.role))
    return Response(
        row["envelope_json"],
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{evaluation_id}.dsse.json"'},
    )
