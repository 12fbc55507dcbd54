"""Per-address rate limits hold exactly, across workers and threads, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rate_limits import RateLimit
from tongzhou.store import Store

NOW = 1_700_000_000.0


def test_the_limit_holds_and_says_when_to_retry(store: Store) -> None:
    limit = RateLimit(store, "report", max_events=3, window_s=3600)
    assert [limit.take("10.0.0.1", now=NOW) for _ in range(3)] == [2, 1, 0]
    with pytest.raises(PortalProblem) as caught:
        limit.take("10.0.0.1", now=NOW)
    window_end = int(NOW) // 3600 * 3600 + 3600
    assert caught.value.status == 429
    assert caught.value.headers["Retry-After"] == str(window_end - int(NOW))
    assert limit.remaining("10.0.0.1", now=NOW) == 0  # the refused post did not count past the limit
    assert limit.take("10.0.0.2", now=NOW) == 2  # another address has its own count
    assert RateLimit(store, "comment", max_events=3, window_s=3600).take("10.0.0.1", now=NOW) == 2
    assert limit.take("10.0.0.1", now=window_end) == 2  # the next window starts afresh


def test_concurrent_posts_take_exactly_the_limit(store: Store) -> None:
    limit = RateLimit(store, "report", max_events=5, window_s=3600)

    def post(_: int) -> bool:
        try:
            RateLimit(store, "report", max_events=5, window_s=3600).take("10.9.9.9", now=NOW)
        except PortalProblem as problem:
            assert problem.status in (429, 503)
            return False
        return True

    with ThreadPoolExecutor(max_workers=6) as pool:
        accepted = sum(pool.map(post, range(20)))
    assert accepted == 5
    assert limit.remaining("10.9.9.9", now=NOW) == 0
