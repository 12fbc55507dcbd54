"""Browser sessions: a random cookie, its SHA-256 in the store, so any worker can answer.

The cookie is ``HttpOnly`` and ``SameSite=Lax``, and ``Secure`` whenever the request came over
TLS (directly or through a proxy uvicorn trusts with ``--forwarded-allow-ips``).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from tongzhou.portal._tables import SESSIONS
from tongzhou.store import Store

COOKIE = "tz_session"
SESSION_S = 8 * 3600
"""A session lasts a working day, then the person logs in again."""


def _now_us() -> int:
    return time.time_ns() // 1000


def token_digest(token: str) -> str:
    """SHA-256 hex of a cookie value (what the store keeps)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class BrowserSession:
    """An open session: whose, and whether the second factor has been given."""

    digest: str
    account: str
    second_factor_done: bool


class SessionBook:
    """Sessions in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def open(self, account: str, *, second_factor_done: bool) -> str:
        """A new session for ``account``; returns the cookie value."""
        token = secrets.token_urlsafe(32)
        now = _now_us()
        with self.store.transaction() as session:
            session.execute(SESSIONS.delete().where(SESSIONS.c.expires_us < now))
            session.execute(
                SESSIONS.insert().values(
                    token_sha256=token_digest(token),
                    account=account,
                    second_factor_done=second_factor_done,
                    created_us=now,
                    expires_us=now + SESSION_S * 1_000_000,
                )
            )
        return token

    def find(self, token: str | None) -> BrowserSession | None:
        """The live session of a cookie value, or None."""
        if not token or len(token) > 128:
            return None
        digest = token_digest(token)
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(SESSIONS.c.account, SESSIONS.c.second_factor_done, SESSIONS.c.expires_us).where(
                    SESSIONS.c.token_sha256 == digest
                )
            ).first()
        if row is None or row[2] <= _now_us():
            return None
        return BrowserSession(digest, row[0], bool(row[1]))

    def complete_second_factor(self, digest: str) -> None:
        """Mark a session as past the TOTP step."""
        with self.store.transaction() as session:
            session.execute(
                update(SESSIONS).where(SESSIONS.c.token_sha256 == digest).values(second_factor_done=True)
            )

    def close(self, digest: str) -> None:
        """End one session."""
        with self.store.transaction() as session:
            session.execute(delete(SESSIONS).where(SESSIONS.c.token_sha256 == digest))
