"""What every route of one portal app shares: the store and the services over it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tongzhou.portal.accounts import AccountBook
from tongzhou.portal.login_limits import LoginLimiter
from tongzhou.portal.proof_of_work import ProofOfWork
from tongzhou.portal.rate_limits import RateLimit
from tongzhou.portal.sessions import SessionBook
from tongzhou.portal.site_secret import site_secret
from tongzhou.store import Store
from tongzhou.threats.auth import Authority
from tongzhou.threats.ttl_cache import TtlCache

if TYPE_CHECKING:
    from tongzhou.classify import Classifier


MENU_CACHE_S = 30.0
"""How long a worker reuses the registry's filter menus; other workers see a new value within it."""
REPORTS_PER_HOUR = 10
"""Incident reports one address may send an hour (a newsroom or a school behind one address sends a few;
a flood is refused with 429 and Retry-After)."""


@dataclass
class PortalContext:
    """The store and its services; built once per worker."""

    store: Store
    authority: Authority = field(init=False)
    accounts: AccountBook = field(init=False)
    sessions: SessionBook = field(init=False)
    limiter: LoginLimiter = field(init=False)
    key: bytes = field(init=False)
    """The site secret (CSRF tokens)."""
    proof_of_work: ProofOfWork = field(init=False)
    """The spam check of anonymous forms (tests may swap in an easier one)."""
    report_limit: RateLimit = field(init=False)
    """Incident reports per address: :data:`REPORTS_PER_HOUR` an hour."""
    filter_menus: TtlCache[dict[str, list[str]]] = field(init=False)
    """The registry's filter menus (distinct facet values), per audience, for :data:`MENU_CACHE_S`:
    computing them over 10,000 systems on every page took the HTML list from the JSON list's ~90
    to 9 requests/s (benchmarks/portal_throughput.py). A registration here clears them at once."""

    def __post_init__(self) -> None:
        self.authority = Authority(self.store)
        self.accounts = AccountBook(self.store, self.authority)
        self.sessions = SessionBook(self.store)
        self.limiter = LoginLimiter(self.store)
        self.key = site_secret(self.store)
        self.proof_of_work = ProofOfWork(self.store, self.key)
        self.report_limit = RateLimit(self.store, "report", max_events=REPORTS_PER_HOUR, window_s=3600)
        self.filter_menus = TtlCache(MENU_CACHE_S)

    @functools.cached_property
    def classifier(self) -> Classifier:
        """The rules, compiled once per worker."""
        from tongzhou.classify import Classifier

        return Classifier()
