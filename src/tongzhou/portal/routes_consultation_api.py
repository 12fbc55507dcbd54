"""The consultation under ``/api/v1/consultations``: the same service as the pages, as JSON.

Anonymous comments send the proof-of-work answer as ``proof_of_work`` (a challenge from
``GET /api/v1/proof-of-work?purpose=comment``); a request with an API token needs none.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tongzhou.consultation import utc_now
from tongzhou.portal import consultation_actions as act
from tongzhou.portal.app import require, viewer_of
from tongzhou.portal.consultation_view import answer, book_of, tier_changes_of, version_number
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.request_body import read_limited
from tongzhou.portal.roles import Role
from tongzhou.portal.viewer import Viewer

router = APIRouter(tags=["consultation"])


async def _json(request: Request, limit: int = 64 * 1024) -> dict[str, Any]:
    """The body as a JSON object of text fields (``null`` fields dropped)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise PortalProblem(415, "Send the request body as application/json.")
    body = await read_limited(request, limit)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise PortalProblem(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict) or not all(isinstance(v, str | None) for v in data.values()):
        raise PortalProblem(422, "The request body must be a JSON object of text fields.")
    return {k: v for k, v in data.items() if v is not None}


async def _draft_json(request: Request) -> dict[str, Any]:
    return await _json(request, act.MAX_DRAFT_FORM_BYTES)


def _document(request: Request, consultation_id: str) -> dict[str, Any]:
    book = book_of(request)
    draft = answer(book.draft, consultation_id)
    version = answer(book.version, consultation_id, version_number(request))
    return {
        "consultation": draft.to_dict(utc_now()),
        "versions": book.versions(consultation_id),
        "version": version.to_dict(),
        "comments": [c.to_dict(private=False) for c in book.comments(consultation_id, public_only=True)],
    }


@router.get("/consultations", summary="Every consultation on draft rules, with its phase.")
def list_consultations(request: Request) -> JSONResponse:
    now = utc_now()
    return JSONResponse({"consultations": [d.to_dict(now) for d in book_of(request).drafts()]})


@router.post("/consultations", status_code=201, summary="Publish a draft (regulators).")
async def publish_consultation(request: Request, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    require(viewer, Role.regulator)
    assert viewer.account is not None
    fields = await _json(request, act.MAX_DRAFT_FORM_BYTES)
    draft = await run_in_threadpool(act.publish_from, book_of(request), fields, viewer.account.name)
    return JSONResponse(draft.to_dict(utc_now()), status_code=201)


@router.get(
    "/consultations/{consultation_id}", summary="A draft (`?version=`), its paragraphs and public comments."
)
def get_consultation(request: Request, consultation_id: str) -> JSONResponse:
    return JSONResponse(_document(request, consultation_id))


@router.post(
    "/consultations/{consultation_id}/versions",
    status_code=201,
    summary="Publish a new version (regulators).",
)
async def publish_version(
    request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)
) -> JSONResponse:
    version = await act.revise(request, viewer, consultation_id, _draft_json)
    return JSONResponse(version.to_dict(), status_code=201)


@router.get(
    "/consultations/{consultation_id}/tier-changes",
    summary="Registered systems whose tier a draft rule file changes, as of its entry into force.",
)
def tier_changes(request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    book = book_of(request)
    draft = answer(book.draft, consultation_id)
    version = answer(book.version, consultation_id, version_number(request))
    changes = tier_changes_of(request, draft, version, viewer.role)
    return JSONResponse(
        {
            "consultation": consultation_id,
            "version": version.version,
            "as_of": None if draft.entry_into_force is None else draft.entry_into_force.isoformat(),
            "changes": [c.to_dict() for c in changes],
        }
    )


@router.post("/consultations/{consultation_id}/comments", status_code=201, summary="Comment on a paragraph.")
async def post_comment(
    request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)
) -> JSONResponse:
    made = await act.comment(request, viewer, consultation_id, _json)
    return JSONResponse(made.to_dict(private=False) | {"status": made.status.value}, status_code=201)


@router.get(
    "/consultations/{consultation_id}/comments", summary="Every comment with its moderation (regulators)."
)
def all_comments(request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    require(viewer, Role.regulator)
    book = book_of(request)
    answer(book.draft, consultation_id)
    return JSONResponse(
        {"comments": [c.to_dict(private=True) for c in book.comments(consultation_id, public_only=False)]}
    )


@router.post(
    "/consultations/{consultation_id}/comments/{comment_id}/moderation",
    summary="Approve or reject (with a reason) a comment (regulators).",
)
async def moderate_comment(
    request: Request, consultation_id: str, comment_id: str, viewer: Viewer = Depends(viewer_of)
) -> JSONResponse:
    made = await act.moderate(request, viewer, consultation_id, comment_id, _json)
    return JSONResponse(made.to_dict(private=True))


@router.post(
    "/consultations/{consultation_id}/comments/{comment_id}/response",
    summary="Publish the response to a comment, after close (regulators).",
)
async def respond_to_comment(
    request: Request, consultation_id: str, comment_id: str, viewer: Viewer = Depends(viewer_of)
) -> JSONResponse:
    made = await act.respond(request, viewer, consultation_id, comment_id, _json)
    return JSONResponse(made.to_dict(private=True))


@router.get(
    "/consultations/{consultation_id}/export",
    summary="Every comment as CSV or JSON (`?format=`; regulators).",
)
def export_comments(request: Request, consultation_id: str, viewer: Viewer = Depends(viewer_of)) -> Response:
    return act.export_response(request, viewer, consultation_id)
