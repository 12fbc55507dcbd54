"""What every route of one portal app shares: the store and the services over it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tongzhou.portal.accounts import AccountBook
from tongzhou.portal.login_limits import LoginLimiter
from tongzhou.portal.sessions import SessionBook
from tongzhou.portal.site_secret import site_secret
from tongzhou.store import Store
from tongzhou.threats.auth import Authority

if TYPE_CHECKING:
    from tongzhou.classify import Classifier


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

    def __post_init__(self) -> None:
        self.authority = Authority(self.store)
        self.accounts = AccountBook(self.store, self.authority)
        self.sessions = SessionBook(self.store)
        self.limiter = LoginLimiter(self.store)
        self.key = site_secret(self.store)

    @functools.cached_property
    def classifier(self) -> Classifier:
        """The rules, compiled once per worker."""
        from tongzhou.classify import Classifier

        return Classifier()
