"""The portal as a FastAPI app: HTML pages, the REST API under ``/api/v1`` and the static files.

Every request first passes :func:`_guard`: it works out the viewer (session cookie or API token)
and, for any state-changing request a browser could send, checks the CSRF token. Routes then only
ask :func:`require` for the roles docs/portal.md grants them.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tongzhou.messages import N_
from tongzhou.portal import csrf, i18n
from tongzhou.portal.context import PortalContext
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rendering import render
from tongzhou.portal.request_body import MAX_FORM_BYTES, read_limited
from tongzhou.portal.roles import Role
from tongzhou.portal.sessions import COOKIE
from tongzhou.portal.viewer import Viewer, identify
from tongzhou.store import Store

API_PREFIX = "/api/v1"
STATIC_DIR = Path(__file__).parent / "static"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ANONYMOUS_COMMENT = re.compile(f"{API_PREFIX}/consultations/[^/]+/comments")
ANONYMOUS_POSTS = frozenset({f"{API_PREFIX}/reports"})
"""API posts that act for nobody (an incident report from anyone): without a session cookie there is
no ambient authority to forge, so a script needs no CSRF token; the proof-of-work check and the
per-address limit guard them instead. With a session cookie the token is still required."""


async def _guard(request: Request) -> None:
    ctx: PortalContext = request.app.state.portal
    viewer = await run_in_threadpool(identify, request, ctx.accounts, ctx.sessions, ctx.authority)
    request.state.viewer = viewer
    if request.method not in _UNSAFE:
        return
    # A request carrying only an API token is a machine's, not a browser's: nothing to forge.
    if viewer.by_token and COOKIE not in request.cookies:
        return
    # An anonymous comment through the API (no session cookie, a JSON body) acts for nobody: with no
    # session there is no authority to forge, and another site's page cannot send application/json
    # without a CORS preflight this service never grants. The proof of work guards it instead; the
    # same holds for the anonymous posts listed in ANONYMOUS_POSTS (an incident report from anyone).
    path = request.url.path
    if COOKIE not in request.cookies and (
        path in ANONYMOUS_POSTS or (_ANONYMOUS_COMMENT.fullmatch(path) and _is_json(request))
    ):
        return
    sent = request.headers.get(csrf.HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            from tongzhou.portal.request_body import read_form

            await read_limited(request, MAX_FORM_BYTES)
            sent = (await read_form(request)).get(csrf.FIELD)
        elif content_type == "multipart/form-data":  # an upload form (a signed evaluation, a draft, a report)
            from tongzhou.portal.evaluation_upload import MAX_EVALUATION_BYTES
            from tongzhou.portal.report_upload import MAX_FILES, MAX_REPORT_BYTES

            # The largest any upload form may send; each route then applies its own limits (a
            # consultation draft's publishing form has 10 fields, routes_consultation.py).
            await read_limited(request, max(MAX_EVALUATION_BYTES, MAX_REPORT_BYTES))
            field = (await request.form(max_files=MAX_FILES + 1, max_fields=60)).get(csrf.FIELD)
            sent = field if isinstance(field, str) else None
    if not csrf.token_ok(ctx.key, viewer.csrf_basis, sent):
        raise PortalProblem(403, "The form has expired or did not come from this site; reload the page.")


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


def viewer_of(request: Request) -> Viewer:
    """The viewer :func:`_guard` found (a route dependency)."""
    viewer: Viewer = request.state.viewer
    return viewer


def require(viewer: Viewer, *roles: Role) -> None:
    """401 for the public, 403 for a role not in ``roles``."""
    if viewer.role in roles:
        return
    if viewer.role is Role.public:
        raise PortalProblem(401, "Log in to do this.")
    raise PortalProblem(403, "Your role may not do this.")


def create_portal_app(store: Store) -> FastAPI:
    """The portal (pages + ``/api/v1``) on ``store``; :mod:`tongzhou.portal.service` adds TAXII."""
    from tongzhou.portal import routes_account, routes_admin, routes_api, routes_evaluations, routes_pages

    app = FastAPI(
        title="Tongzhou portal API (同舟门户接口)",
        version="1",
        description="The AI-system registry, classifications, signed evaluations and incidents.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(_guard)],
    )
    app.router.redirect_slashes = False  # Starlette's redirect is built from the Host header
    app.state.portal = PortalContext(store)

    @app.exception_handler(PortalProblem)
    async def _problem(request: Request, exc: PortalProblem) -> Response:
        return problem_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = {404: N_("Not found."), 405: N_("This method is not allowed here.")}.get(
            exc.status_code, N_("The request could not be served.")
        )
        return problem_response(request, PortalProblem(exc.status_code, message))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return problem_response(request, PortalProblem(400, "A parameter of the request is not valid."))

    app.include_router(routes_api.router, prefix=API_PREFIX)
    app.include_router(routes_pages.router)
    app.include_router(routes_account.router)
    _include_sign_on_routes(app)
    app.include_router(routes_admin.router)
    app.include_router(routes_evaluations.router)
    _include_workspace_routes(app)
    _include_consultation_routes(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _include_sign_on_routes(app: FastAPI) -> None:
    from tongzhou.portal import routes_admin_identities, routes_oidc

    app.include_router(routes_oidc.router)
    app.include_router(routes_admin_identities.router)


def _include_workspace_routes(app: FastAPI) -> None:
    from tongzhou.portal import routes_dashboards, routes_proof_of_work, routes_verify, routes_workspace

    app.include_router(routes_dashboards.pages)
    app.include_router(routes_verify.router)
    app.include_router(routes_workspace.pages)
    app.include_router(routes_workspace.api, prefix=API_PREFIX)
    app.include_router(routes_dashboards.api, prefix=API_PREFIX)
    app.include_router(routes_proof_of_work.router, prefix=API_PREFIX)
    _include_participation_routes(app)
    _include_reassess_routes(app)


def _include_participation_routes(app: FastAPI) -> None:
    from tongzhou.portal import routes_moderation, routes_provider_incidents, routes_reports

    for module in (routes_reports, routes_moderation, routes_provider_incidents):
        app.include_router(module.pages)
        app.include_router(module.api, prefix=API_PREFIX)


def _include_consultation_routes(app: FastAPI) -> None:
    from tongzhou.portal import routes_consultation, routes_consultation_api

    app.include_router(routes_consultation.router)
    app.include_router(routes_consultation_api.router, prefix=API_PREFIX)


def _include_reassess_routes(app: FastAPI) -> None:
    from tongzhou.portal import routes_reassess

    app.include_router(routes_reassess.pages)
    app.include_router(routes_reassess.api, prefix=API_PREFIX)


def problem_response(request: Request, exc: PortalProblem) -> Response:
    """A problem as JSON (``/api/…``) or as an HTML page, in the viewer's language."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    lang = (
        viewer.lang
        if viewer
        else i18n.choose_language(
            request.query_params.get("lang"),
            request.cookies.get(i18n.COOKIE),
            request.headers.get("accept-language"),
        )
    )
    if request.url.path.startswith("/api/") or viewer is None:
        body = {
            "error": {
                "status": exc.status,
                "message": i18n.translate(lang, exc.message, **exc.values),
                "messages": i18n.both(exc.message, **exc.values),
            }
        }
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)
    response = render(
        request,
        viewer,
        "error.html",
        status=exc.status,
        status_code=exc.status,
        message=i18n.translate(lang, exc.message, **exc.values),
    )
    response.headers.update(exc.headers)
    return response
