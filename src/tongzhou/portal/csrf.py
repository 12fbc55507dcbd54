"""CSRF protection: every state-changing request a browser can make carries a token a forger cannot know.

The token is ``HMAC(site key, basis)``, where the basis is the session's digest once logged in, or
else a random ``tz_csrf`` cookie (the login form). Forms send it as ``csrf_token``; scripts as the
``X-CSRF-Token`` header. Requests that authenticate with an API token (``Authorization`` or
``X-API-Key``) and send no cookie are not browser requests and need none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PRE_SESSION_COOKIE = "tz_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def new_pre_session_value() -> str:
    """A fresh value for the ``tz_csrf`` cookie."""
    return secrets.token_urlsafe(24)


def token_for(key: bytes, basis: str) -> str:
    """The CSRF token bound to ``basis`` (a session digest or the pre-session cookie)."""
    return hmac.new(key, b"csrf\0" + basis.encode(), hashlib.sha256).hexdigest()


def token_ok(key: bytes, basis: str | None, sent: str | None) -> bool:
    """Whether ``sent`` is the token for ``basis``."""
    if not basis or not sent:
        return False
    return hmac.compare_digest(token_for(key, basis), sent)
