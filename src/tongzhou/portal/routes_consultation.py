"""Consultation pages: the list, a draft with its paragraphs and comments, the side-by-side diff
with the tier changes, commenting (anyone; anonymous with the proof-of-work check), and for
regulators publishing, new versions, moderation, responses and the export. The rules live in
:mod:`tongzhou.consultation`; these routes only read forms and render."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tongzhou.consultation import DraftKind, Phase, export_csv, export_document, export_json, utc_now
from tongzhou.consultation.schedule import closing, day, opening
from tongzhou.portal.app import require, viewer_of
from tongzhou.portal.consultation_view import (
    POW_PURPOSE,
    answer,
    book_of,
    check_anonymous_sender,
    client_digest,
    comment_id_of,
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
MAX_DRAFT_FORM_BYTES = 512 * 1024
"""A publishing form: the draft (at most 256 KiB, consultation.MAX_DRAFT_BYTES) and its fields."""
EXPORTS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


async def draft_form(request: Request) -> dict[str, str]:
    """A publishing form (multipart: a draft is larger than the 64 KiB of an ordinary form)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        return await read_form(request)
    await read_limited(request, MAX_DRAFT_FORM_BYTES)
    form = await request.form(max_files=1, max_fields=16, max_part_size=MAX_DRAFT_FORM_BYTES)
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


def publish_from(book: Any, fields: dict[str, str], by: str) -> Any:
    """Publish from the fields of a form or a JSON body (the same names in both)."""
    kind_text = fields.get("kind", "text") or "text"
    if kind_text not in ("text", "rules"):
        answer(_refuse, "bad-kind")
    return answer(
        lambda: book.publish(
            str(fields.get("id", "")).strip(),
            str(fields.get("title", "")),
            str(fields.get("body", "")),
            opens_at=opening(str(fields.get("opens", ""))),
            closes_at=closing(str(fields.get("closes", ""))),
            by=by,
            kind=DraftKind(kind_text),
            rule_file=(str(fields.get("rule_file") or "").strip() or None),
            entry_into_force=day(fields.get("entry_into_force")),
            note=str(fields.get("note", "")),
        )
    )


def _refuse(code: str) -> None:
    from tongzhou.consultation import ConsultationError

    raise ConsultationError(code)


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
        draft = await run_in_threadpool(publish_from, book_of(request), fields, viewer.account.name)
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
    form = await read_form(request)
    book = book_of(request)
    await run_in_threadpool(answer, book.draft, consultation_id)  # a forged id: 404 before any check
    await run_in_threadpool(check_anonymous_sender, request, viewer, form.get("proof_of_work"))
    paragraph = form.get("paragraph_id", "")
    await run_in_threadpool(
        answer,
        book.comment,
        consultation_id,
        paragraph,
        form.get("body", ""),
        author=None if viewer.account is None else viewer.account.name,
        client_digest=client_digest(request),
        display_name=form.get("name", ""),
    )
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
    require(viewer, Role.regulator)
    assert viewer.account is not None
    fields = await draft_form(request)
    book = book_of(request)
    await run_in_threadpool(
        answer,
        book.revise,
        consultation_id,
        fields.get("body", ""),
        by=viewer.account.name,
        note=fields.get("note", ""),
    )
    return RedirectResponse(f"/consultations/{consultation_id}", status_code=303)


@router.post("/consultations/{consultation_id}/comments/{comment_id}/moderation")
async def moderate(
    request: Request, consultation_id: str, comment_id: str, viewer: Viewer = Depends(viewer_of)
) -> Response:
    require(viewer, Role.regulator)
    assert viewer.account is not None
    number = comment_id_of(comment_id)
    form = await read_form(request)
    await run_in_threadpool(
        answer,
        book_of(request).moderate,
        consultation_id,
        number,
        form.get("decision", ""),
        by=viewer.account.name,
        reason=form.get("reason", ""),
    )
    return RedirectResponse(f"/consultations/{consultation_id}/moderation#comment-{number}", status_code=303)


@router.post("/consultations/{consultation_id}/comments/{comment_id}/response")
async def respond(
    request: Request, consultation_id: str, comment_id: str, viewer: Viewer = Depends(viewer_of)
) -> Response:
    require(viewer, Role.regulator)
    assert viewer.account is not None
    number = comment_id_of(comment_id)
    form = await read_form(request)
    await run_in_threadpool(
        answer,
        book_of(request).respond,
        consultation_id,
        number,
        form.get("response", ""),
        by=viewer.account.name,
    )
    return RedirectResponse(f"/consultations/{consultation_id}/moderation#comment-{number}", status_code=303)


def export_response(request: Request, consultation_id: str) -> Response:
    """Every comment of a consultation as a download (``?format=csv|json``)."""
    fmt = request.query_params.get("format", "csv")
    if fmt not in EXPORTS:
        raise PortalProblem(400, "The format must be csv or json.")
    document = answer(export_document, book_of(request), consultation_id)
    text = export_csv(document) if fmt == "csv" else export_json(document)
    return Response(
        text,
        media_type=EXPORTS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{consultation_id}-comments.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/consultations/{consultation_id}/export")
def export(request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.regulator)
    return export_response(request, consultation_id)
