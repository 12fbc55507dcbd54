"""One ASGI app on one port: the portal and ``/api/v1``, and the TAXII 2.1 server beside them.

TAXII keeps its own paths: discovery at ``/taxii2/`` and each API root at ``/<root>/`` (default
``/tongzhou/``), exactly as ``tongzhou threats serve`` serves them, so TAXII clients need no
change; every other path is the portal's. Both apps share the store and the API tokens (the
portal issues TAXII keys). Workers share nothing but the database: sessions, login counts, the
CSRF key and the listing index all live there.
"""

from __future__ import annotations

import gc
import os

from starlette.types import ASGIApp, Receive, Scope, Send

from tongzhou.portal.security_headers import SecurityHeadersMiddleware
from tongzhou.store import Store, open_store

MIGRATE_ENV = "TONGZHOU_PORTAL_MIGRATE"


class TaxiiBesidePortal:
    """Sends ``/taxii2/…`` and ``/<api root>/…`` to TAXII, everything else to the portal."""

    def __init__(self, portal: ASGIApp, taxii: ASGIApp, api_roots: list[str]) -> None:
        self.portal = portal
        self.taxii = taxii
        self.prefixes = ("/taxii2/", *(f"/{root}/" for root in api_roots))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefixes):
            await self.taxii(scope, receive, send)
        else:
            await self.portal(scope, receive, send)


def create_service(store: Store, taxii_config: object | None = None) -> ASGIApp:
    """The whole service on ``store`` (TAXII settings: ``ServerConfig``, default from the environment)."""
    from tongzhou.portal.app import create_portal_app
    from tongzhou.threats.server import ServerConfig, create_app

    config = taxii_config if isinstance(taxii_config, ServerConfig) else ServerConfig()
    portal = create_portal_app(store)
    taxii = create_app(store, config)
    return SecurityHeadersMiddleware(TaxiiBesidePortal(portal, taxii, config.api_roots))


def service_from_env() -> ASGIApp:
    """App factory for ``uvicorn --factory`` (``tongzhou serve``): store and TAXII settings from env."""
    from tongzhou.threats.server import ServerConfig

    store = open_store(migrate_schema=os.environ.get(MIGRATE_ENV, "1") != "0")
    app = create_service(store, ServerConfig.from_env())
    from tongzhou.reassess.worker import worker_from_env

    worker_from_env(store)  # the periodic re-assessment tick, when TONGZHOU_REASSESS_EVERY is set
    gc.freeze()  # as the TAXII server does: long-lived imports out of the collector's way
    return app
