"""The TAXII 2.1 server: a FastAPI app over :class:`TaxiiRepository` and :class:`Authority`.

Every route ends in ``/`` (TAXII 2.1 §1.6.3). Errors are TAXII error messages with the TAXII
content type. The routes live in one router per resource group (``discovery_routes``,
``collection_routes``, ``object_routes``) and share one permission check
(:mod:`tongzhou.threats.taxii_access`); they only translate HTTP to the library, where the rules live.
"""

from __future__ import annotations

import gc
import os
import threading

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from tongzhou.store import Store, open_store
from tongzhou.threats.auth import Authority
from tongzhou.threats.collection_routes import router as collection_router
from tongzhou.threats.discovery_routes import public_base_url
from tongzhou.threats.discovery_routes import router as discovery_router
from tongzhou.threats.object_routes import router as object_router
from tongzhou.threats.repository import TaxiiRepository
from tongzhou.threats.request_guard import RequestGuardMiddleware
from tongzhou.threats.server_config import (
    API_ROOT_ENV,
    BODY_TIMEOUT_ENV,
    MAX_CONTENT_LENGTH_ENV,
    MIGRATE_ENV,
    PUBLIC_URL_ENV,
    VALIDATION_ENV,
    VALIDATION_PROCESSES_ENV,
    ServerConfig,
)
from tongzhou.threats.taxii_access import TaxiiContext
from tongzhou.threats.taxii_errors import install_error_handlers
from tongzhou.threats.validation import warm_validation_pool

__all__ = [
    "API_ROOT_ENV",
    "BODY_TIMEOUT_ENV",
    "MAX_CONTENT_LENGTH_ENV",
    "MIGRATE_ENV",
    "PUBLIC_URL_ENV",
    "VALIDATION_ENV",
    "VALIDATION_PROCESSES_ENV",
    "ServerConfig",
    "app_from_env",
    "create_app",
    "public_base_url",
]


def create_app(store: Store, config: ServerConfig | None = None) -> FastAPI:
    """The TAXII 2.1 app on ``store``."""
    config = config or ServerConfig()
    repo = TaxiiRepository(
        store,
        validate_with_stix2=config.validate_with_stix2,
        validation_processes=config.validation_processes,
        max_objects_per_envelope=config.max_objects_per_envelope,
    )
    authority = Authority(store)
    app = FastAPI(title=config.title, docs_url=None, redoc_url=None, openapi_url=None)
    # No redirect to the path with a slash: Starlette builds it from the client's Host header.
    # TAXII paths end in "/" (§1.6.3); without it the answer is a TAXII 404.
    app.router.redirect_slashes = False
    app.state.taxii = TaxiiContext(config, repo, authority)
    app.state.store, app.state.repository, app.state.authority = store, repo, authority
    app.add_middleware(RequestGuardMiddleware)
    install_error_handlers(app)
    for router in (discovery_router, collection_router, object_router):
        _add_routes(app, router)
    if repo.validate_with_stix2 and config.validation_processes >= 2:
        threading.Thread(
            target=warm_validation_pool, args=(config.validation_processes,), daemon=True
        ).start()
    return app


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """Each route of ``router`` as a route of ``app`` itself, not ``app.include_router(router)``.

    FastAPI 0.165 keeps an included router as a nested candidate, matched through its slower
    effective-route path on every request: profiled, that and nothing else in routing made a tiny
    request (manifest, ``limit=1``) cost ~0.2 ms more server CPU than the pre-split app whose
    routes were the app's own (issue 16; ``benchmarks/taxii_request_cpu.py``).
    """
    for route in router.routes:
        assert isinstance(route, APIRoute)  # the TAXII routers hold API routes only
        app.add_api_route(
            route.path,
            route.endpoint,
            methods=sorted(route.methods or ()),
            dependencies=route.dependencies,
            name=route.name,
        )


def app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` (and ``tongzhou threats serve``): store and settings from env.

    Set ``TONGZHOU_TAXII_MIGRATE=0`` when a parent process already migrated the store, so workers
    starting together do not race on the migration.
    """
    store = open_store(migrate_schema=os.environ.get(MIGRATE_ENV, "1") != "0")
    app = create_app(store, ServerConfig.from_env())
    # Everything imported so far (FastAPI, SQLAlchemy, stix2: ~10^5 objects) lives as long as the
    # worker; without this each full collection walks it again while an envelope of 1,000 objects is
    # decoded (seen as 50–120 ms stalls on every few Add Objects requests).
    gc.freeze()
    return app
