"""Moderating incident reports (regulators): the queue, one report with its evidence and history, and
the four decisions — accept, merge, ask, reject — from the page or the API."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from tongzhou.participation import Moderation, Report, ReportBook, ReportProblem, ReportState, Seriousness
from tongzhou.portal.app import require, viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.listing_index import link_incidents
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rendering import render
from tongzhou.portal.request_body import MAX_FORM_BYTES, read_form, read_limited
from tongzhou.portal.roles import Role
from tongzhou.portal.routes_reports import portal_problem
from tongzhou.portal.viewer import Viewer

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["incident reports"])
ACTIONS = ("accept", "merge", "ask", "reject")
FLAGS = ("serious", "death", "critical_infrastructure", "widespread_infringement")


def _ctx(request: Request) -> PortalContext:
    ctx: PortalContext = request.app.state.portal
    return ctx


def _state(value: str | None) -> ReportState | None:
    if not value:
        return None
    try:
        return ReportState(value)
    except ValueError:
        raise PortalProblem(400, "Unknown report state.") from None


def _truthy(value: Any) -> bool:
    return value is True or value in ("on", "true", "1", "yes")


def decide(ctx: PortalContext, report_id: str, moderator: str, decision: dict[str, Any]) -> Report:
    """Apply one decision (``action`` and its fields) as ``moderator``; the report afterwards."""
    action = decision.get("action")
    if action not in ACTIONS:
        raise PortalProblem(422, "Choose a decision: accept, merge, ask or reject.")
    moderation = Moderation(ctx.store)
    text = str(decision.get("text") or "")
    try:
        if action == "accept":
            flags = {name: _truthy(decision.get(name)) for name in FLAGS}
            seriousness = Seriousness(harm_realised=not _truthy(decision.get("hazard")), **flags)
            report, _ = moderation.accept(
                report_id,
                moderator,
                title=str(decision.get("title") or ""),
                seriousness=seriousness,
                note=text,
            )
            link_incidents(ctx.store)  # the system page lists the new incident
            return report
        if action == "merge":
            ids = decision.get("incident_ids") or []
            if isinstance(ids, str):
                ids = ids.split()
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise PortalProblem(422, "incident_ids must be a list of incident ids.")
            return moderation.merge(report_id, moderator, ids, note=text)
        if action == "ask":
            return moderation.ask(report_id, moderator, text)
        return moderation.reject(report_id, moderator, text)
    except ReportProblem as exc:
        raise portal_problem(exc) from None


def _report(ctx: PortalContext, report_id: str) -> Report:
    try:
        return ReportBook(ctx.store).get(report_id)
    except ReportProblem as exc:
        raise portal_problem(exc) from None


def _recent_incidents(ctx: PortalContext) -> list[tuple[str, str]]:
    from tongzhou.threats.incidents import list_incidents

    return [(r.id, r.title) for r in list_incidents(ctx.store)[:100]]


@pages.get("/moderation")
def moderation_queue(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.regulator)
    state = _state(request.query_params.get("state", "received"))
    reports = ReportBook(_ctx(request).store).list(state)
    return render(request, viewer, "moderation.html", reports=reports, state=state, states=list(ReportState))


@pages.get("/moderation/reports/{report_id}")
def moderation_report(request: Request, report_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.regulator)
    ctx = _ctx(request)
    return render(
        request,
        viewer,
        "moderation_report.html",
        report=_report(ctx, report_id),
        incidents=_recent_incidents(ctx),
        problem=None,
    )


@pages.post("/moderation/reports/{report_id}")
async def moderation_decide(
    request: Request, report_id: str, viewer: Viewer = Depends(viewer_of)
) -> Response:
    require(viewer, Role.regulator)
    assert viewer.account is not None
    ctx = _ctx(request)
    form = await read_form(request)
    try:
        await run_in_threadpool(decide, ctx, report_id, viewer.account.name, dict(form))
    except PortalProblem as problem:
        if problem.status == 404:
            raise
        return render(
            request,
            viewer,
            "moderation_report.html",
            status=problem.status,
            report=_report(ctx, report_id),
            incidents=_recent_incidents(ctx),
            problem=problem,
        )
    return RedirectResponse(f"/moderation/reports/{quote(report_id)}", status_code=303)


@pages.get("/moderation/reports/{report_id}/evidence/{evidence_id}")
def moderation_evidence(
    request: Request, report_id: str, evidence_id: str, viewer: Viewer = Depends(viewer_of)
) -> Response:
    require(viewer, Role.regulator)
    if not evidence_id.isdigit():
        raise PortalProblem(404, "Not found.")
    try:
        name, media_type, content = ReportBook(_ctx(request).store).evidence_file(report_id, int(evidence_id))
    except ReportProblem as exc:
        raise portal_problem(exc) from None
    # Always a download, never shown in the site's origin: a file cannot run script here.
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "no-store",
        },
    )


@api.get(
    "/reports", summary="The moderation queue (regulators): `?state=received|needs-info|accepted|rejected`."
)
def list_reports(request: Request, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    require(viewer, Role.regulator)
    state = _state(request.query_params.get("state"))
    return JSONResponse({"reports": [r.to_dict() for r in ReportBook(_ctx(request).store).list(state)]})


@api.get("/reports/{report_id}", summary="One report with its evidence list and history (regulators).")
def get_report(request: Request, report_id: str, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    require(viewer, Role.regulator)
    return JSONResponse(_report(_ctx(request), report_id).to_dict())


@api.post(
    "/reports/{report_id}/decisions",
    summary="Decide a report (regulators): accept (title, flags), merge (incident_ids), ask/reject (text).",
)
async def post_decision(
    request: Request, report_id: str, viewer: Viewer = Depends(viewer_of)
) -> JSONResponse:
    require(viewer, Role.regulator)
    assert viewer.account is not None
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise PortalProblem(415, "Send the decision as application/json.")
    try:
        decision = json.loads(await read_limited(request, MAX_FORM_BYTES))
    except (ValueError, UnicodeDecodeError):
        raise PortalProblem(400, "The body is not valid JSON.") from None
    if not isinstance(decision, dict):
        raise PortalProblem(422, "Choose a decision: accept, merge, ask or reject.")
    report = await run_in_threadpool(decide, _ctx(request), report_id, viewer.account.name, decision)
    return JSONResponse(report.to_dict())
