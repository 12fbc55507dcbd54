"""Logging in and out (password, then TOTP for regulators and admins), and one's own API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tongzhou.portal import totp
from tongzhou.portal.accounts import LoginRefusal
from tongzhou.portal.app import require, viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rendering import render
from tongzhou.portal.request_body import read_form
from tongzhou.portal.roles import ACCOUNT_ROLES
from tongzhou.portal.security_headers import csp_with_form_targets
from tongzhou.portal.sessions import COOKIE, SESSION_S
from tongzhou.portal.viewer import Viewer

router = APIRouter(include_in_schema=False)


def _ctx(request: Request) -> PortalContext:
    ctx: PortalContext = request.app.state.portal
    return ctx


def _source(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_form(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    return _login_page(request, viewer, None, "")


@router.post("/login")
async def login(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    ctx = _ctx(request)
    form = await read_form(request)
    name, password = form.get("name", "")[:128], form.get("password", "")[:1024]
    source = _source(request)
    if await run_in_threadpool(ctx.limiter.blocked, source):
        problem = PortalProblem(429, "Too many failed logins from your address; try again later.")
        return _login_page(request, viewer, problem, name)
    outcome = await run_in_threadpool(ctx.accounts.check_password, name, password)
    if isinstance(outcome, LoginRefusal):
        await run_in_threadpool(ctx.limiter.record_failure, source)
        problem = (
            PortalProblem(423, "This account is locked after too many wrong passwords; try again later.")
            if outcome is LoginRefusal.locked
            else PortalProblem(401, "Wrong name or password.")
        )
        return _login_page(request, viewer, problem, name)
    if viewer.session is not None:
        await run_in_threadpool(ctx.sessions.close, viewer.session.digest)
    token = await run_in_threadpool(
        ctx.sessions.open, outcome.name, second_factor_done=not outcome.needs_second_factor
    )
    target = "/login/second-factor" if outcome.needs_second_factor else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=SESSION_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


def _login_page(request: Request, viewer: Viewer, problem: PortalProblem | None, name: str) -> Response:
    """The login form, with a "Sign in with …" button per configured single sign-on provider."""
    providers = [party.settings for party in _ctx(request).sign_on_providers.values()]
    status = 200 if problem is None else problem.status
    response = render(
        request, viewer, "login.html", status=status, problem=problem, name=name, sign_on_providers=providers
    )
    if providers:
        origins = sorted({_origin(p.issuer) for p in providers})
        response.headers["content-security-policy"] = csp_with_form_targets(origins)
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@router.get("/login/second-factor")
def second_factor_form(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    return _second_factor_page(request, viewer, None)


@router.post("/login/second-factor")
async def second_factor(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    ctx = _ctx(request)
    if not viewer.awaiting_second_factor or viewer.session is None:
        raise PortalProblem(401, "Log in with your password first.")
    source = _source(request)
    if await run_in_threadpool(ctx.limiter.blocked, source):
        return _second_factor_page(
            request, viewer, PortalProblem(429, "Too many failed logins from your address; try again later.")
        )
    form = await read_form(request)
    ok = await run_in_threadpool(ctx.accounts.check_totp, viewer.session.account, form.get("code", "")[:16])
    if not ok:
        await run_in_threadpool(ctx.limiter.record_failure, source)
        return _second_factor_page(request, viewer, PortalProblem(401, "The code is wrong or has been used."))
    await run_in_threadpool(ctx.sessions.complete_second_factor, viewer.session.digest)
    return RedirectResponse("/", status_code=303)


def _second_factor_page(request: Request, viewer: Viewer, problem: PortalProblem | None) -> Response:
    if not viewer.awaiting_second_factor or viewer.session is None:
        raise PortalProblem(401, "Log in with your password first.")
    ctx = _ctx(request)
    name = viewer.session.account
    account = ctx.accounts.account(name)
    enrol_secret = enrol_uri = None
    if account is not None and not account.totp_enabled:
        enrol_secret = ctx.accounts.totp_secret_for_enrolment(name)
        enrol_uri = totp.provisioning_uri(enrol_secret, name)
    status = 200 if problem is None else problem.status
    return render(
        request,
        viewer,
        "second_factor.html",
        status=status,
        problem=problem,
        enrol_secret=enrol_secret,
        enrol_uri=enrol_uri,
    )


@router.post("/logout")
def logout(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    if viewer.session is None:
        raise PortalProblem(401, "Log in to do this.")
    _ctx(request).sessions.close(viewer.session.digest)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/account")
def account_page(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, *ACCOUNT_ROLES)
    assert viewer.account is not None
    keys = _ctx(request).authority.api_keys(viewer.account.name)
    return render(request, viewer, "account.html", keys=keys, new_token=None)


@router.post("/account/tokens")
async def new_token(request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    require(viewer, *ACCOUNT_ROLES)
    assert viewer.account is not None
    form = await read_form(request)
    label = form.get("label", "").strip()[:255] or None
    ctx = _ctx(request)
    token = await run_in_threadpool(ctx.accounts.issue_token, viewer.account.name, label)
    keys = await run_in_threadpool(ctx.authority.api_keys, viewer.account.name)
    return render(request, viewer, "account.html", status=201, keys=keys, new_token=token)
