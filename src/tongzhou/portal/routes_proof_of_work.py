"""``GET /api/v1/proof-of-work``: a fresh spam-check challenge for an anonymous form or API post."""

from __future__ import annotations

import re

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from tongzhou.portal.context import PortalContext
from tongzhou.portal.problems import PortalProblem

router = APIRouter(tags=["spam check"])
_PURPOSE = re.compile(r"^[a-z][a-z-]{0,31}$")


@router.get(
    "/proof-of-work",
    summary="A proof-of-work challenge (ALTCHA format) for `?purpose=` (e.g. report); answer it once.",
)
def proof_of_work_challenge(request: Request) -> JSONResponse:
    purpose = request.query_params.get("purpose", "")
    if not _PURPOSE.match(purpose):
        raise PortalProblem(400, "Name the form the check is for: ?purpose=report (lower-case letters).")
    ctx: PortalContext = request.app.state.portal
    return JSONResponse(ctx.proof_of_work.issue(purpose).to_dict(), headers={"Cache-Control": "no-store"})
