"""Single sign-ons in flight: what the callback needs (nonce, PKCE verifier, where to go), kept in
the store so that any worker can finish what another started, and usable once.

The ``state`` sent to the provider is random and stored only as its SHA-256; the row is also bound
to the browser that started it (the SHA-256 of a random ``tz_oidc`` cookie), so a callback link
sent to someone else, or replayed, logs nobody in (login CSRF, OIDC Core §3.1.2.1 / RFC 6749 §10.12).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from authlib.common.security import generate_token
from sqlalchemy import delete

from tongzhou.portal._tables import OIDC_LOGINS
from tongzhou.store import Store

BROWSER_COOKIE = "tz_oidc"
PENDING_S = 10 * 60
"""A sign-on must come back from the provider within ten minutes."""
_MAX_RETURN = 512


def _now_us() -> int:
    return time.time_ns() // 1000


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def safe_return_path(wanted: str | None) -> str:
    """``wanted`` when it is a path on this site, else ``/`` (no open redirect)."""
    if (
        not wanted
        or len(wanted) > _MAX_RETURN
        or not wanted.startswith("/")
        or wanted.startswith(("//", "/\\"))
        or "\\" in wanted
        or any(ord(c) < 0x21 or c == "\x7f" for c in wanted)
    ):
        return "/"
    return wanted


@dataclass(frozen=True, slots=True)
class PendingSignOn:
    """What was sent with one authorization request."""

    state: str
    browser: str
    """The ``tz_oidc`` cookie value for the browser."""
    provider: str
    nonce: str
    code_verifier: str
    return_to: str


class PendingSignOns:
    """Sign-ons in flight, in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def begin(self, provider: str, return_to: str | None, browser: str | None) -> PendingSignOn:
        """A new sign-on for ``provider`` (reusing the browser's cookie value when it has one)."""
        pending = PendingSignOn(
            state=secrets.token_urlsafe(32),
            browser=browser if browser and 20 <= len(browser) <= 128 else secrets.token_urlsafe(32),
            provider=provider,
            nonce=secrets.token_urlsafe(32),
            code_verifier=generate_token(64),  # RFC 7636 §4.1: 43-128 unreserved characters
            return_to=safe_return_path(return_to),
        )
        now = _now_us()
        with self.store.transaction() as session:
            session.execute(delete(OIDC_LOGINS).where(OIDC_LOGINS.c.expires_us < now))
            session.execute(
                OIDC_LOGINS.insert().values(
                    state_sha256=_digest(pending.state),
                    browser_sha256=_digest(pending.browser),
                    provider=provider,
                    nonce=pending.nonce,
                    code_verifier=pending.code_verifier,
                    return_to=pending.return_to,
                    expires_us=now + PENDING_S * 1_000_000,
                )
            )
        return pending

    def take(self, provider: str, state: str | None, browser: str | None) -> PendingSignOn | None:
        """The sign-on ``state`` names, removed so it cannot be used again; None when there is none
        live for this provider and this browser (a wrong, stale, replayed or stolen ``state``)."""
        if not state or not browser or len(state) > 128 or len(browser) > 128:
            return None
        with self.store.transaction() as session:
            row = session.execute(
                delete(OIDC_LOGINS)
                .where(OIDC_LOGINS.c.state_sha256 == _digest(state))
                .returning(
                    OIDC_LOGINS.c.browser_sha256,
                    OIDC_LOGINS.c.provider,
                    OIDC_LOGINS.c.nonce,
                    OIDC_LOGINS.c.code_verifier,
                    OIDC_LOGINS.c.return_to,
                    OIDC_LOGINS.c.expires_us,
                )
            ).first()
        if row is None or row[1] != provider or row[5] < _now_us():
            return None
        if not secrets.compare_digest(row[0], _digest(browser)):
            return None
        return PendingSignOn(state, browser, row[1], row[2], row[3], row[4])
