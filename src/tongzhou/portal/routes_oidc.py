"""Single sign-on with OpenID Connect: the login button's start and the provider's callback.

``POST /login/oidc/{provider_id}`` (a CSRF-protected form on the login page) opens a pending
sign-on and sends the browser to the provider; ``GET /login/oidc/{provider_id}/callback`` takes it
back, redeems the code, checks the ID token and logs the linked account in. Regulators and admins
then give the site's TOTP code, unless the token's ``amr`` holds a value the site accepts for it.
Every refusal logs nobody in, writes nothing but the failed-attempt count, and says why in both
languages.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tongzhou.portal import i18n
from tongzhou.portal.app import viewer_of
from tongzhou.portal.context import PortalContext
from tongzhou.portal.oidc_identities import IdentityRefusal, IdentityRefused, identity_of
from tongzhou.portal.oidc_logins import BROWSER_COOKIE, PENDING_S
from tongzhou.portal.oidc_relying_party import OidcRelyingParty, SignOnRefusal, SignOnRefused
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rendering import render
from tongzhou.portal.request_body import read_form
from tongzhou.portal.sessions import COOKIE, SESSION_S
from tongzhou.portal.viewer import Viewer

router = APIRouter(include_in_schema=False)
COOKIE_PATH = "/login/oidc/"

_SIGN_ON_PROBLEMS = {
    SignOnRefusal.provider_unreachable: PortalProblem(
        502, "The sign-in provider could not be reached or answered wrongly; try again later."
    ),
    SignOnRefusal.issuer_mismatch: PortalProblem(
        401, "The answer names another issuer than the one configured here; nobody was signed in."
    ),
    SignOnRefusal.code_refused: PortalProblem(
        401, "The sign-in provider refused the code (already used or expired); start again."
    ),
    SignOnRefusal.bad_signature: PortalProblem(
        401, "The identity token is not signed by the provider's key; nobody was signed in."
    ),
    SignOnRefusal.bad_claims: PortalProblem(
        401,
        "The identity token has expired, is meant for another site or another sign-in; nobody was signed in.",
    ),
}
_IDENTITY_PROBLEMS = {
    IdentityRefusal.no_identity: PortalProblem(
        403, "The sign-in provider gave no verified identity; nobody was signed in."
    ),
    IdentityRefusal.unlinked: PortalProblem(
        403, "No account here is linked to {identity}; ask this site's administrator to link it."
    ),
    IdentityRefusal.no_role: PortalProblem(
        403, "{identity} has no role this site grants by single sign-on; ask this site's administrator."
    ),
    IdentityRefusal.name_taken: PortalProblem(
        403,
        "An account named {identity} exists and is not linked to this sign-in; ask this site's administrator to link it.",  # noqa: E501
    ),
}
_STALE = PortalProblem(
    400, "This sign-in has expired, was already used, or did not start in this browser; start it again."
)
_DENIED = PortalProblem(401, "The sign-in provider did not sign you in.")
_BUSY = PortalProblem(429, "Too many failed logins from your address; try again later.")


def _ctx(request: Request) -> PortalContext:
    ctx: PortalContext = request.app.state.portal
    return ctx


def _party(request: Request, provider_id: str) -> OidcRelyingParty:
    party = _ctx(request).sign_on_providers.get(provider_id)
    if party is None:
        raise PortalProblem(404, "Not found.")
    return party


def _redirect_uri(request: Request, party: OidcRelyingParty) -> str:
    configured = party.settings.redirect_uri
    return configured or f"{str(request.base_url).rstrip('/')}/login/oidc/{party.settings.id}/callback"


@router.post("/login/oidc/{provider_id}")
async def begin_sign_on(provider_id: str, request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    party = _party(request, provider_id)
    form = await read_form(request)
    ctx = _ctx(request)
    pending = await run_in_threadpool(
        ctx.pending_sign_ons.begin, provider_id, form.get("next"), request.cookies.get(BROWSER_COOKIE)
    )
    try:
        url = await run_in_threadpool(
            party.authorization_url,
            _redirect_uri(request, party),
            pending.state,
            pending.nonce,
            pending.code_verifier,
        )
    except SignOnRefused as refused:
        return _refusal(request, viewer, _SIGN_ON_PROBLEMS[refused.reason])
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        BROWSER_COOKIE,
        pending.browser,
        max_age=PENDING_S,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back to us
        secure=request.url.scheme == "https",
        path=COOKIE_PATH,
    )
    return response


@router.get("/login/oidc/{provider_id}/callback")
def finish_sign_on(provider_id: str, request: Request, viewer: Viewer = Depends(viewer_of)) -> Response:
    party = _party(request, provider_id)
    ctx = _ctx(request)
    source = request.client.host if request.client else "unknown"
    if ctx.limiter.blocked(source):
        return _refusal(request, viewer, _BUSY)
    query = request.query_params
    pending = ctx.pending_sign_ons.take(provider_id, query.get("state"), request.cookies.get(BROWSER_COOKIE))
    if pending is None:
        ctx.limiter.record_failure(source)
        return _refusal(request, viewer, _STALE)
    code = query.get("code")
    if query.get("error") or not code or len(code) > 2048:
        return _refusal(request, viewer, _DENIED)
    try:
        party.check_response_issuer(query.get("iss"))
        claims = party.redeem(code, pending.code_verifier, _redirect_uri(request, party), pending.nonce)
        identity = identity_of(party.provider, claims)
        account = ctx.identity_links.account_for(party.provider, identity, claims)
    except SignOnRefused as refused:
        ctx.limiter.record_failure(source)
        return _refusal(request, viewer, _SIGN_ON_PROBLEMS[refused.reason])
    except IdentityRefused as refused:
        ctx.limiter.record_failure(source)
        problem = _IDENTITY_PROBLEMS[refused.reason]
        return _refusal(
            request, viewer, PortalProblem(problem.status, problem.message, identity=refused.identity)
        )
    amr = claims.get("amr")
    accepted_mfa = isinstance(amr, list) and bool(
        set(party.settings.mfa_amr) & {a for a in amr if isinstance(a, str)}
    )
    second_factor_done = not account.needs_second_factor or accepted_mfa
    if viewer.session is not None:
        ctx.sessions.close(viewer.session.digest)
    token = ctx.sessions.open(account.name, second_factor_done=second_factor_done)
    target = pending.return_to if second_factor_done else "/login/second-factor"
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
    response.delete_cookie(BROWSER_COOKIE, path=COOKIE_PATH)
    return response


def _refusal(request: Request, viewer: Viewer, problem: PortalProblem) -> Response:
    """The refusal page: the message in the viewer's language, then in the other one."""
    other = "zh" if viewer.lang == "en" else "en"
    return render(
        request,
        viewer,
        "sign_on_refused.html",
        status=problem.status,
        problem=problem,
        other_lang=other,
        other_message=i18n.translate(other, problem.message, **problem.values),
    )
