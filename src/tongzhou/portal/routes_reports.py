"""Incident reports from anyone: the public form, the API, and the reporter's private status page.

Each post passes the proof-of-work check (:mod:`tongzhou.portal.proof_of_work`) and the per-address
limit (:mod:`tongzhou.portal.rate_limits`) before its fields are looked at; the report itself is
:mod:`tongzhou.participation`'s business. A system picked from the registry must be one the public
may see: an EU AI Act Art. 49(4) entry is refused exactly like an unknown id.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from tongzhou.participation import Report, ReportBook, ReportProblem, build_submission, harm_types
from tongzhou.participation.report_book import Receipt
from tongzhou.portal._tables import LISTING
from tongzhou.portal.app import viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rendering import render
from tongzhou.portal.report_upload import ReportUpload, read_report_upload
from tongzhou.portal.request_body import read_form
from tongzhou.portal.viewer import Viewer

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["incident reports"])
PURPOSE = "report"
MAX_LISTED_SYSTEMS = 500


def _ctx(request: Request) -> PortalContext:
    ctx: PortalContext = request.app.state.portal
    return ctx


def _source(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def portal_problem(exc: ReportProblem) -> PortalProblem:
    """participation's refusal as the portal's (same status, message and values)."""
    return PortalProblem(exc.status, exc.message, **exc.values)


def public_systems(ctx: PortalContext) -> list[tuple[str, str]]:
    """(id, name) of the registered systems the public may see, by name (the form's list)."""
    with ctx.store.engine.connect() as conn:
        rows = conn.execute(
            select(LISTING.c.system_id, LISTING.c.name)
            .where(LISTING.c.restricted.is_(False))
            .order_by(LISTING.c.name, LISTING.c.system_id)
            .limit(MAX_LISTED_SYSTEMS)
        ).all()
    return [(r[0], r[1]) for r in rows]


def _visible(ctx: PortalContext, system_id: str) -> bool:
    with ctx.store.engine.connect() as conn:
        row = conn.execute(select(LISTING.c.restricted).where(LISTING.c.system_id == system_id)).first()
    return row is not None and not row[0]


def _file_report(ctx: PortalContext, upload: ReportUpload, source: str) -> Receipt:
    ctx.proof_of_work.redeem(upload.proof_of_work, PURPOSE)
    ctx.report_limit.take(source)
    try:
        submission = build_submission(
            upload.fields, harms=upload.harms, links=upload.links, files=upload.files
        )
        if submission.system_id is not None and not _visible(ctx, submission.system_id):
            raise ReportProblem(422, "Pick the system from the registry, or describe it in your own words.")
        return ReportBook(ctx.store).submit(submission)
    except ReportProblem as exc:
        raise portal_problem(exc) from None


def _form(request: Request, viewer: Viewer, status: int = 200, **values: object) -> Response:
    ctx = _ctx(request)
    upload = values.pop("upload", None) or ReportUpload(
        {"system_id": request.query_params.get("system", "")[:64]}
    )
    return render(
        request,
        viewer,
        "report.html",
        status=status,
        challenge=ctx.proof_of_work.issue(PURPOSE),
        harm_types=harm_types(),
        systems=public_systems(ctx),
        upload=upload,
        **values,
    )


@pages.get("/report")
def report_form(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    return _form(request, viewer)


@pages.post("/report")
async def report_post(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    upload = await read_report_upload(request, allow_json=False)
    try:
        receipt = await run_in_threadpool(_file_report, _ctx(request), upload, _source(request))
    except PortalProblem as problem:
        if problem.status in (413, 415, 429):
            raise
        upload.files = []  # a browser cannot refill a file field: the reporter picks the files again
        return _form(request, viewer, status=problem.status, upload=upload, problem=problem)
    return render(
        request, viewer, "report_sent.html", status=201, status_path=f"/report/status/{receipt.token}"
    )


def _report_by_token(ctx: PortalContext, token: str) -> Report:
    try:
        return ReportBook(ctx.store).by_token(token)
    except ReportProblem as exc:
        raise portal_problem(exc) from None


@pages.get("/report/status/{report_token}")
def report_status(request: Request, report_token: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    report = _report_by_token(_ctx(request), report_token)
    response = render(
        request, viewer, "report_status.html", report=report, harm_types=harm_types(), problem=None
    )
    response.headers["Referrer-Policy"] = "no-referrer"  # the link is the reporter's key
    return response


@pages.post("/report/status/{report_token}")
async def report_reply(request: Request, report_token: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    form = await read_form(request)
    ctx = _ctx(request)
    try:
        await run_in_threadpool(ReportBook(ctx.store).reply, report_token, form.get("information", ""))
    except ReportProblem as exc:
        if exc.status == 404:
            raise portal_problem(exc) from None
        report = _report_by_token(ctx, report_token)
        return render(
            request,
            viewer,
            "report_status.html",
            status=exc.status,
            report=report,
            harm_types=harm_types(),
            problem=portal_problem(exc),
        )
    return RedirectResponse(f"/report/status/{report_token}", status_code=303)


@api.post(
    "/reports",
    status_code=201,
    summary="Report an AI incident (no account): JSON or multipart, with a solved `proof_of_work`.",
)
async def post_report(request: Request) -> JSONResponse:
    upload = await read_report_upload(request, allow_json=True)
    receipt = await run_in_threadpool(_file_report, _ctx(request), upload, _source(request))
    return JSONResponse(
        {
            "id": receipt.report_id,
            "status_token": receipt.token,
            "status_url": f"/report/status/{receipt.token}",
            "status_api": f"/api/v1/reports/status/{receipt.token}",
        },
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


@api.get("/reports/status/{report_token}", summary="A report as its reporter sees it (the token is the key).")
def get_report_status(request: Request, report_token: str) -> JSONResponse:
    report = _report_by_token(_ctx(request), report_token)
    return JSONResponse(
        report.reporter_view(), headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )
