"""Administration of single sign-on identity links (admins only, past the second factor).

The page does what ``tongzhou portal link-identity`` / ``unlink-identity`` do: it lists every link
(provider, identity, account), links an identity at a configured provider to an existing account,
and unlinks one (the account stays). Each change is logged on ``tongzhou.portal.admin`` with the
admin who made it, as the CLI prints what it did.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from tongzhou.portal.app import require, viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.oidc_identities import LinkRefusal, LinkRefused
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rendering import render
from tongzhou.portal.request_body import read_form
from tongzhou.portal.roles import Role
from tongzhou.portal.viewer import Viewer

router = APIRouter(include_in_schema=False)
log = logging.getLogger("tongzhou.portal.admin")


def _ctx(request: Request) -> PortalContext:
    ctx: PortalContext = request.app.state.portal
    return ctx


def _page(
    request: Request,
    viewer: Viewer,
    status: int = 200,
    problem: PortalProblem | None = None,
    linked: dict[str, str] | None = None,
    unlinked: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
) -> Response:
    ctx = _ctx(request)
    return render(
        request,
        viewer,
        "admin_identities.html",
        status=status,
        links=ctx.identity_links.links(),
        providers=[(pid, party.settings.name) for pid, party in ctx.sign_on_providers.items()],
        accounts=[a.name for a in ctx.accounts.accounts()],
        problem=problem,
        linked=linked,
        unlinked=unlinked,
        fields=fields or {},
    )


@router.get("/admin/identities")
def identities_page(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.admin)
    return _page(request, viewer)


def _refusal(reason: LinkRefusal, fields: dict[str, str]) -> PortalProblem:
    if reason is LinkRefusal.no_account:
        return PortalProblem(422, "There is no account named {account}.", account=fields["account"])
    if reason is LinkRefusal.bad_identity:
        return PortalProblem(422, "The identity must be 1 to 255 characters.")
    return PortalProblem(
        409,
        "{identity} at {provider} is already linked; unlink it first.",
        identity=fields["identity"],
        provider=fields["provider"],
    )


def _fields(form: dict[str, str]) -> dict[str, str]:
    return {name: form.get(name, "").strip() for name in ("provider", "identity", "account")}


@router.post("/admin/identities")
async def link_identity(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.admin)
    assert viewer.account is not None
    fields = _fields(await read_form(request))
    provider, identity, account = fields["provider"], fields["identity"], fields["account"]
    if provider not in _ctx(request).sign_on_providers:
        problem = PortalProblem(
            422, "No single sign-on provider {provider} is configured here.", provider=provider
        )
        return _page(request, viewer, problem.status, problem, fields=fields)
    try:
        await run_in_threadpool(_ctx(request).identity_links.link, account, provider, identity)
    except LinkRefused as refused:
        problem = _refusal(refused.reason, fields)
        return _page(request, viewer, problem.status, problem, fields=fields)
    log.info(
        "single sign-on identity %r at %r linked to account %r by admin %r",
        identity,
        provider,
        account,
        viewer.account.name,
    )
    return _page(request, viewer, 201, linked=fields)


@router.post("/admin/identities/unlink")
async def unlink_identity(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, Role.admin)
    assert viewer.account is not None
    fields = _fields(await read_form(request))
    provider, identity = fields["provider"], fields["identity"]
    removed = await run_in_threadpool(_ctx(request).identity_links.unlink, provider, identity)
    if not removed:
        problem = PortalProblem(
            409, "{identity} at {provider} is not linked.", identity=identity, provider=provider
        )
        return _page(request, viewer, problem.status, problem)
    log.info("single sign-on identity %r at %r unlinked by admin %r", identity, provider, viewer.account.name)
    return _page(request, viewer, 200, unlinked=fields)
