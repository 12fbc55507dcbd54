"""Login rate limiting by source address, kept in the store so every worker counts the same attempts.

Beside the per-account lockout (:mod:`tongzhou.portal.accounts`), a source that has failed
:data:`MAX_FAILURES` logins within :data:`WINDOW_S` is refused (HTTP 429) until the window moves
on: guessing across many accounts from one address is slowed as much as guessing one.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, func, select

from tongzhou.portal._tables import LOGIN_ATTEMPTS
from tongzhou.store import Store

MAX_FAILURES = 20
WINDOW_S = 15 * 60


def _now_us() -> int:
    return time.time_ns() // 1000


class LoginLimiter:
    """Failed logins per source within a sliding window."""

    def __init__(self, store: Store, max_failures: int = MAX_FAILURES, window_s: int = WINDOW_S) -> None:
        self.store = store
        self.max_failures = max_failures
        self.window_s = window_s

    def blocked(self, source: str) -> bool:
        """Whether ``source`` has used up its failed attempts for now."""
        since = _now_us() - self.window_s * 1_000_000
        with self.store.engine.connect() as conn:
            count = conn.execute(
                select(func.count())
                .select_from(LOGIN_ATTEMPTS)
                .where(LOGIN_ATTEMPTS.c.source == source[:64], LOGIN_ATTEMPTS.c.at_us >= since)
            ).scalar_one()
        return int(count) >= self.max_failures

    def record_failure(self, source: str) -> None:
        """Count one failed attempt (and forget those older than the window)."""
        now = _now_us()
        with self.store.transaction() as session:
            session.execute(
                delete(LOGIN_ATTEMPTS).where(LOGIN_ATTEMPTS.c.at_us < now - self.window_s * 1_000_000)
            )
            session.execute(LOGIN_ATTEMPTS.insert().values(source=source[:64], at_us=now))
