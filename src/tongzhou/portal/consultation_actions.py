"""What the consultation pages and ``/api/v1/consultations`` both do, written once: publish a draft
or a new version, comment, moderate, respond, export. A route reads its body its own way (a form or
JSON, passed in as ``read``) and turns the result into its own answer (a redirect or JSON); the
checks (role, comment number, the spam defence) and the call into :mod:`tongzhou.consultation`, whose
refusals become portal problems, are here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from tongzhou.consultation import (
    Comment,
    ConsultationBook,
    ConsultationError,
    Draft,
    DraftKind,
    DraftVersion,
    export_csv,
    export_document,
    export_json,
)
from tongzhou.consultation.schedule import closing, day, opening
from tongzhou.portal.app import require
from tongzhou.portal.consultation_view import (
    answer,
    book_of,
    check_anonymous_sender,
    client_digest,
    comment_id_of,
)
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.roles import Role
from tongzhou.portal.viewer import Viewer

FieldsReader = Callable[[Request], Awaitable[dict[str, Any]]]
"""Reads a request's body as named text fields (a form, or a JSON object)."""
MAX_DRAFT_FORM_BYTES = 512 * 1024
"""A publishing body: the draft (at most 256 KiB, consultation.MAX_DRAFT_BYTES) and its fields."""
EXPORTS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def _regulator(viewer: Viewer) -> str:
    require(viewer, Role.regulator)
    assert viewer.account is not None
    return viewer.account.name


def publish_from(book: ConsultationBook, fields: dict[str, Any], by: str) -> Draft:
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
    raise ConsultationError(code)


async def revise(request: Request, viewer: Viewer, consultation_id: str, read: FieldsReader) -> DraftVersion:
    """A regulator publishes a new version of the draft (fields ``body``, ``note``)."""
    by = _regulator(viewer)
    fields = await read(request)
    return await run_in_threadpool(
        answer,
        book_of(request).revise,
        consultation_id,
        fields.get("body", ""),
        by=by,
        note=fields.get("note", ""),
    )


async def comment(request: Request, viewer: Viewer, consultation_id: str, read: FieldsReader) -> Comment:
    """Anyone comments on a paragraph (``paragraph_id``, ``body``, ``name``); anonymous senders pass
    the spam defence (``proof_of_work``) first, and a forged consultation id is 404 before it."""
    fields = await read(request)
    book = book_of(request)
    await run_in_threadpool(answer, book.draft, consultation_id)
    await run_in_threadpool(check_anonymous_sender, request, viewer, fields.get("proof_of_work"))
    return await run_in_threadpool(
        answer,
        book.comment,
        consultation_id,
        fields.get("paragraph_id", ""),
        fields.get("body", ""),
        author=None if viewer.account is None else viewer.account.name,
        client_digest=client_digest(request),
        display_name=fields.get("name", ""),
    )


async def moderate(
    request: Request, viewer: Viewer, consultation_id: str, comment_id: str, read: FieldsReader
) -> Comment:
    """A regulator approves or rejects a comment (``decision``, ``reason``)."""
    by = _regulator(viewer)
    number = comment_id_of(comment_id)
    fields = await read(request)
    return await run_in_threadpool(
        answer,
        book_of(request).moderate,
        consultation_id,
        number,
        fields.get("decision", ""),
        by=by,
        reason=fields.get("reason", ""),
    )


async def respond(
    request: Request, viewer: Viewer, consultation_id: str, comment_id: str, read: FieldsReader
) -> Comment:
    """A regulator publishes the response to a comment, after close (``response``)."""
    by = _regulator(viewer)
    number = comment_id_of(comment_id)
    fields = await read(request)
    return await run_in_threadpool(
        answer, book_of(request).respond, consultation_id, number, fields.get("response", ""), by=by
    )


def export_response(request: Request, viewer: Viewer, consultation_id: str) -> Response:
    """Every comment of a consultation as a download (``?format=csv|json``; regulators)."""
    require(viewer, Role.regulator)
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
