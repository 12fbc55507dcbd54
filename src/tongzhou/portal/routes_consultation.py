"""Consultation pages: the list, a draft with its paragraphs and comments, the side-by-side diff
with the tier changes, commenting (anyone; anonymous with the proof-of-work check), and for
regulators publishing, new versions, moderation, responses and the export. The rules live in
:mod:`tongzhou.consultation` and what the API does too in :mod:`tongzhou.portal.consultation_actions`;
these routes read forms, render and redirect."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tongzhou.consultation import DraftKind, Phase, utc_now
from tongzhou.portal import consultation_actions as act
from tongzhou.portal.app import require, viewer_of
from tongzhou.portal.consultation_view import (
    POW_PURPOSE,
    answer,
    book_of,
    draft_page,
    tier_changes_of,
    version_number,
)
from tongzhou.portal.context import PortalContext
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rendering import render
from tongzhou.portal.request_body import read_form, read_limited
from tongzhou.portal.roles import Role
from tongzhou.portal.viewer import Viewer

router = APIRouter(include_in_schema=False)


async def draft_form(request: Request) -> dict[str, str]:
    """A publishing form (multipart: a draft is larger than the 64 KiB of an ordinary form)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        return await read_form(request)
    await read_limited(request, act.MAX_DRAFT_FORM_BYTES)
    form = await request.form(max_files=1, max_fields=16, max_part_size=act.MAX_DRAFT_FORM_BYTES)
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(name, value)
        else:  # a draft sent as a file
            data = await value.read()
            try:
                fields.setdefault(name, data.decode("utf-8"))
            except UnicodeDecodeError:
                raise PortalProblem(422, "The draft must be UTF-8 text.") from None
    return fields


@router.get("/consultations")
def consultations(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    drafts = book_of(request).drafts()
    now = utc_now()
    return render(request, viewer, "consultations.html", drafts=[(d, d.phase(now).value) for d in drafts])


@router.get("/consultations/new")
def new_consultation(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.regulator)
    return render(request, viewer, "consultation_new.html", fields={})


@router.post("/consultations")
async def publish(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.regulator)
    assert viewer.account is not None
    fields = await draft_form(request)
    try:
        draft = await run_in_threadpool(act.publish_from, book_of(request), fields, viewer.account.name)
    except PortalProblem as problem:
        return render(
            request,
            viewer,
            "consultation_new.html",
            status=problem.status,
            fields=fields,
            error=_message(viewer, problem),
        )
    return RedirectResponse(f"/consultations/{draft.id}", status_code=303)


def _message(viewer: Viewer, problem: PortalProblem) -> str:
    from tongzhou.portal import i18n

    return i18n.translate(viewer.lang, problem.message, **problem.values)


@router.get("/consultations/{consultation_id}")
def consultation(request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    page = draft_page(book_of(request), consultation_id, version_number(request))
    ctx: PortalContext = request.app.state.portal
    phase = page.draft.phase(utc_now())
    challenge = None
    if phase is Phase.open and viewer.account is None:
        challenge = ctx.proof_of_work.issue(POW_PURPOSE)
    chosen = request.query_params.get("paragraph", "")
    return render(
        request,
        viewer,
        "consultation.html",
        page=page,
        phase=phase.value,
        challenge=challenge,
        chosen=chosen,
        sent=request.query_params.get("sent") == "1",
        is_current=page.version.version == page.draft.current_version,
    )


@router.get("/consultations/{consultation_id}/diff")
def consultation_diff(
    request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)
) -> Response:
    from tongzhou.consultation.rule_drafts import bundled_rule_file, side_by_side

    book = book_of(request)
    draft = answer(book.draft, consultation_id)
    version = answer(book.version, consultation_id, version_number(request))
    if draft.kind is DraftKind.rules and draft.rule_file is not None:
        before = bundled_rule_file(draft.rule_file) or ""
        against = "in-force"
    elif version.version > 1:
        before = answer(book.version, consultation_id, version.version - 1).body
        against = "previous"
    else:
        before, against = "", "none"
    return render(
        request,
        viewer,
        "consultation_diff.html",
        draft=draft,
        version=version,
        rows=side_by_side(before, version.body),
        against=against,
        changes=tier_changes_of(request, draft, version, viewer.role),
    )


@router.post("/consultations/{consultation_id}/comments")
async def comment(request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    await act.comment(request, viewer, consultation_id, read_form)
    return RedirectResponse(f"/consultations/{consultation_id}?sent=1#comment-form", status_code=303)


@router.get("/consultations/{consultation_id}/moderation")
def moderation(request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.regulator)
    book = book_of(request)
    draft = answer(book.draft, consultation_id)
    comments = book.comments(consultation_id, public_only=False)
    return render(
        request,
        viewer,
        "consultation_moderation.html",
        draft=draft,
        comments=comments,
        phase=draft.phase(utc_now()).value,
    )


@router.post("/consultations/{consultation_id}/versions")
async def new_version(
    request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)
) -> Response:
    await act.revise(request, viewer, consultation_id, draft_form)
    return RedirectResponse(f"/consultations/{consultation_id}", status_code=303)


@router.post("/consultations/{consultation_id}/comments/{comment_id}/moderation")
async def moderate(
    request: Request, consultation_id: str, comment_id: str, viewer: Viewer = Depends(viewer_of)
) -> Response:
    made = await act.moderate(request, viewer, consultation_id, comment_id, read_form)
    return RedirectResponse(f"/consultations/{consultation_id}/moderation#comment-{made.id}", status_code=303)


@router.post("/consultations/{consultation_id}/comments/{comment_id}/response")
async def respond(
    request: Request, consultation_id: str, comment_id: str, viewer: Viewer = Depends(viewer_of)
) -> Response:
    made = await act.respond(request, viewer, consultation_id, comment_id, read_form)
    return RedirectResponse(f"/consultations/{consultation_id}/moderation#comment-{made.id}", status_code=303)


@router.get("/consultations/{consultation_id}/export")
def export(request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    return act.export_response(request, viewer, consultation_id)
