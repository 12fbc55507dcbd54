"""Who is asking: an account (by session cookie or API token) or the public, and in which language."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from tongzhou.portal import csrf, i18n
from tongzhou.portal.accounts import Account, AccountBook
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.roles import Role
from tongzhou.portal.sessions import COOKIE, BrowserSession, SessionBook
from tongzhou.threats.auth import AuthenticationFailed, Authority, PasswordChecksBusy


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person (or machine) behind a request."""

    account: Account | None
    session: BrowserSession | None
    """The browser session, also while it waits for the second factor."""
    lang: str
    csrf_basis: str
    """What this viewer's CSRF token is bound to (session digest or the pre-session cookie)."""
    by_token: bool = False

    @property
    def role(self) -> Role:
        """``public`` until logged in (and past the second factor where the role needs one)."""
        return Role.public if self.account is None else self.account.role

    @property
    def awaiting_second_factor(self) -> bool:
        """Password given, TOTP code not yet."""
        return self.account is None and self.session is not None and not self.session.second_factor_done


def identify(request: Request, accounts: AccountBook, sessions: SessionBook, authority: Authority) -> Viewer:
    """The viewer of ``request`` (401 for a wrong API token)."""
    lang = i18n.choose_language(
        request.query_params.get("lang"),
        request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"),
    )
    pre_session = request.cookies.get(csrf.PRE_SESSION_COOKIE) or ""
    authorization, api_key = request.headers.get("authorization"), request.headers.get("x-api-key")
    if authorization or api_key:
        try:
            caller = authority.authenticate(authorization, api_key)
        except AuthenticationFailed:
            raise PortalProblem(
                401, "The API token is wrong, expired or revoked.", {"WWW-Authenticate": "Bearer"}
            ) from None
        except PasswordChecksBusy:
            raise PortalProblem(503, "Too many password checks at once; retry shortly.") from None
        # A TAXII principal without a portal account is treated as the public.
        return Viewer(accounts.account(caller.name), None, lang, pre_session, by_token=True)
    session = sessions.find(request.cookies.get(COOKIE))
    if session is None:
        return Viewer(None, None, lang, pre_session)
    account = accounts.account(session.account)
    if account is None:
        return Viewer(None, None, lang, pre_session)
    if account.needs_second_factor and not session.second_factor_done:
        return Viewer(None, session, lang, session.digest)
    return Viewer(account, session, lang, session.digest)
