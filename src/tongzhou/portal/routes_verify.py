"""``/verify``: the in-browser DSSE verifier (static/js/verify-page.js) as a portal page, in the
viewer's language and under the portal's CSP; the files never leave the browser."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from tongzhou.portal.app import viewer_of
from tongzhou.portal.rendering import render
from tongzhou.portal.viewer import Viewer

router = APIRouter(include_in_schema=False)


@router.get("/verify")
def verify_page(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    return render(request, viewer, "verify.html")
