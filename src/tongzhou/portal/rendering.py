"""HTML pages: Jinja2 templates from the package, escaped, in the viewer's language."""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import ChainableUndefined, Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from tongzhou.portal import csrf, i18n
from tongzhou.portal.viewer import Viewer

LANG_COOKIE_S = 365 * 86400


@functools.cache
def environment() -> Environment:
    """The template environment (autoescape on for every template)."""
    env = Environment(
        loader=PackageLoader("tongzhou.portal", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=ChainableUndefined,  # profiles omit unknown facts: a missing one renders empty
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render(request: Request, viewer: Viewer, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """Render ``template`` for ``viewer``; sets the pre-session CSRF cookie and the language cookie."""
    from tongzhou.portal.context import PortalContext

    ctx: PortalContext = request.app.state.portal
    basis = viewer.csrf_basis
    new_pre_session = None
    if not basis:
        basis = new_pre_session = csrf.new_pre_session_value()
    lang = viewer.lang

    def _(message: str, **fields: Any) -> str:
        return i18n.translate(lang, message, **fields)

    html = (
        environment()
        .get_template(template)
        .render(
            _=_,
            lang=lang,
            viewer=viewer,
            csrf_token=csrf.token_for(ctx.key, basis),
            path=request.url.path,
            query=dict(request.query_params),
            **values,
        )
    )
    response = HTMLResponse(html, status_code=status)
    secure = request.url.scheme == "https"
    if new_pre_session:
        response.set_cookie(
            csrf.PRE_SESSION_COOKIE, new_pre_session, httponly=True, samesite="strict", secure=secure
        )
    url_lang = request.query_params.get("lang")
    if url_lang in i18n.LANGUAGES and request.cookies.get(i18n.COOKIE) != url_lang:
        response.set_cookie(i18n.COOKIE, url_lang, max_age=LANG_COOKIE_S, samesite="lax", secure=secure)
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-store"
    return response
