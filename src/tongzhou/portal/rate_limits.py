"""Per-address rate limits for anonymous posts (reports, comments), counted in the store.

A fixed window: ``(bucket, source, window start)`` is one row whose ``count`` goes up by one per post.
The increment is one ``UPDATE … SET count = count + 1`` inside the post's transaction, so two
workers taking the last slot at once are serialised by the row lock (PostgreSQL) or the write lock
(SQLite): the limit holds exactly, not approximately. A fixed window lets a sender use the end of one
window and the start of the next (at most twice the limit in one window's length): the proof-of-work
check (:mod:`tongzhou.portal.proof_of_work`) prices each of those posts anyway.

Use::

    limit = RateLimit(store, "report", max_events=10, window_s=3600)
    limit.take(source)      # PortalProblem 429 (with Retry-After) once the address has used them up
"""

from __future__ import annotations

import time

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from tongzhou.portal._tables import RATE_COUNTS
from tongzhou.portal.problems import PortalProblem
from tongzhou.store import Store

MAX_SOURCE_CHARS = 64


class RateLimit:
    """At most ``max_events`` posts per source address and ``window_s`` in the bucket ``bucket``."""

    def __init__(self, store: Store, bucket: str, *, max_events: int, window_s: int) -> None:
        self.store = store
        self.bucket = bucket
        self.max_events = max_events
        self.window_s = window_s

    def _window(self, now: float) -> int:
        return int(now) // self.window_s * self.window_s

    def take(self, source: str, *, now: float | None = None) -> int:
        """Count one post from ``source``; the posts it has left in this window. 429 when none was left."""
        moment = now if now is not None else time.time()
        window = self._window(moment)
        source = source[:MAX_SOURCE_CHARS]
        key = (
            (RATE_COUNTS.c.bucket == self.bucket)
            & (RATE_COUNTS.c.source == source)
            & (RATE_COUNTS.c.window_start == window)
        )
        for _ in range(2):
            try:
                with self.store.transaction() as session:
                    done = session.execute(
                        update(RATE_COUNTS).where(key).values(count=RATE_COUNTS.c.count + 1)
                    )
                    if done.rowcount == 0:  # type: ignore[attr-defined]
                        session.execute(
                            delete(RATE_COUNTS).where(
                                (RATE_COUNTS.c.bucket == self.bucket)
                                & (RATE_COUNTS.c.source == source)
                                & (RATE_COUNTS.c.window_start < window)
                            )
                        )
                        session.execute(
                            RATE_COUNTS.insert().values(
                                bucket=self.bucket, source=source, window_start=window, count=1
                            )
                        )
                        count = 1
                    else:
                        count = int(session.execute(select(RATE_COUNTS.c.count).where(key)).scalar_one())
                    if count > self.max_events:
                        raise _TooMany
                break
            except IntegrityError:  # another worker made the row first: increment theirs
                continue
            except _TooMany:  # the transaction rolled back: a refused post does not count
                retry = max(1, window + self.window_s - int(moment))
                raise PortalProblem(
                    429,
                    "Too many posts from your address; try again in {seconds} seconds.",
                    {"Retry-After": str(retry)},
                    seconds=retry,
                ) from None
        else:
            raise PortalProblem(503, "The service is busy; retry shortly.")
        return self.max_events - count

    def remaining(self, source: str, *, now: float | None = None) -> int:
        """Posts ``source`` may still make in this window (nothing is counted)."""
        window = self._window(now if now is not None else time.time())
        with self.store.engine.connect() as conn:
            count = conn.execute(
                select(RATE_COUNTS.c.count).where(
                    (RATE_COUNTS.c.bucket == self.bucket)
                    & (RATE_COUNTS.c.source == source[:MAX_SOURCE_CHARS])
                    & (RATE_COUNTS.c.window_start == window)
                )
            ).scalar_one_or_none()
        return self.max_events - int(count or 0)


class _TooMany(Exception):
    pass
