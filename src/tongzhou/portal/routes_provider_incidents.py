"""``/provider/incidents``: accepted incident reports about a provider's systems, each with the EU AI
Act Art. 73 status and, where it applies, the serious-incident report draft and its deadline.

A provider account sees the systems its organisation registered through the portal; regulators and
admins see every notice.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tongzhou.participation import ProviderNotice, notices_for
from tongzhou.portal._tables import LISTING
from tongzhou.portal.app import require, viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.rendering import render
from tongzhou.portal.roles import Role
from tongzhou.portal.system_view import parse_day
from tongzhou.portal.viewer import Viewer

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["incident reports"])


def _notices(request: Request, viewer: Viewer) -> list[ProviderNotice]:
    require(viewer, Role.provider, Role.regulator, Role.admin)
    ctx: PortalContext = request.app.state.portal
    as_of = parse_day(request.query_params.get("as_of"))
    systems: list[str] | None = None
    if viewer.role is Role.provider:
        assert viewer.account is not None
        with ctx.store.engine.connect() as conn:
            systems = list(
                conn.execute(
                    select(LISTING.c.system_id).where(
                        LISTING.c.organisation_id == viewer.account.organisation_id,
                        LISTING.c.organisation_id.is_not(None),
                    )
                ).scalars()
            )
    return notices_for(ctx.store, systems, ctx.classifier, as_of=as_of)


@pages.get("/provider/incidents")
def provider_incidents(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    return render(request, viewer, "provider_incidents.html", notices=_notices(request, viewer))


@api.get(
    "/provider/incidents",
    summary="Accepted incident reports about your systems, with EU AI Act Art. 73 drafts and deadlines.",
)
def provider_incidents_api(request: Request, viewer: Viewer = Depends(viewer_of)) -> JSONResponse:
    return JSONResponse({"notices": [n.to_dict() for n in _notices(request, viewer)]})
