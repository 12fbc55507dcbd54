"""The TAXII 2.1 server: a FastAPI app over :class:`TaxiiRepository` and :class:`Authority`.

Every route ends in ``/`` (TAXII 2.1 §1.6.3). Errors are TAXII error messages with the TAXII
content type. Route handlers only translate HTTP to the library; the rules live in the library.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import threading
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from tongzhou.store import Store, open_store
from tongzhou.threats.auth import AuthenticationFailed, Authority, Caller, PasswordChecksBusy
from tongzhou.threats.envelope_bounds import MAX_OBJECTS_PER_ENVELOPE, EnvelopeTooLarge
from tongzhou.threats.media import TAXII_MEDIA_TYPE, content_type_ok
from tongzhou.threats.paging import BadPageToken
from tongzhou.threats.repository import (
    CollectionInfo,
    ObjectFilter,
    Page,
    TaxiiRepository,
    UnknownCollection,
)
from tongzhou.threats.request_guard import RequestGuardMiddleware
from tongzhou.threats.taxii_errors import CHALLENGE as _CHALLENGE
from tongzhou.threats.taxii_errors import TaxiiError, taxii_response
from tongzhou.threats.taxii_errors import error_response as _error_response
from tongzhou.threats.timestamps import format_timestamp_us
from tongzhou.threats.validation import default_validation_processes, warm_validation_pool
from tongzhou.threats.wire_json import decode_json

MAX_CONTENT_LENGTH_ENV = "TONGZHOU_TAXII_MAX_CONTENT_LENGTH"
API_ROOT_ENV = "TONGZHOU_TAXII_API_ROOT"
MIGRATE_ENV = "TONGZHOU_TAXII_MIGRATE"
VALIDATION_ENV = "TONGZHOU_TAXII_VALIDATION"
VALIDATION_PROCESSES_ENV = "TONGZHOU_TAXII_VALIDATION_PROCESSES"
PUBLIC_URL_ENV = "TONGZHOU_TAXII_PUBLIC_URL"
BODY_TIMEOUT_ENV = "TONGZHOU_TAXII_BODY_TIMEOUT"


@dataclass
class ServerConfig:
    """Settings of one TAXII server."""

    title: str = "Tongzhou TAXII 2.1 server (同舟威胁信息共享)"
    description: str = "AI threats, vulnerabilities and incidents as STIX 2.1 (ATLAS, AVID, AI incidents)."
    api_roots: list[str] = field(default_factory=lambda: ["tongzhou"])
    max_content_length: int = 10 * 1024 * 1024
    """Largest accepted POST body in bytes (larger → 413); advertised in the API root."""
    default_page_size: int = 1000
    max_page_size: int = 10_000
    max_objects_per_envelope: int = MAX_OBJECTS_PER_ENVELOPE
    """Most objects in one Add Objects request (more → 413)."""
    public_url: str | None = None
    """The server's address as clients reach it (``https://taxii.example.org/``), used for the
    URLs in discovery. Unset: the address the server listens on — never the request's ``Host``
    header, which any client may set (a poisoned discovery sent clients elsewhere, issue 20)."""
    body_timeout_s: float = 30.0
    """Seconds a client has to send a POST body once its headers are in (else 408): a 10 MiB body
    needs ≥ 350 KiB/s. A body sent at 1 byte / 0.1 s used to hold a worker's request for 55 s."""
    validate_with_stix2: bool = True
    """Full ``stix2`` property validation of posted objects (False: common-property checks only)."""
    validation_processes: int = 0
    """Processes that share full validation of large envelopes (0: in-process). Worker processes are
    spawned, so the program's main module must be import-safe (uvicorn and ``tongzhou`` are);
    :meth:`from_env` (uvicorn ``--factory``, ``tongzhou threats serve``) defaults to one per CPU."""

    @classmethod
    def from_env(cls) -> ServerConfig:
        """Settings from ``TONGZHOU_TAXII_*`` environment variables."""
        config = cls()
        if os.environ.get(MAX_CONTENT_LENGTH_ENV):
            config.max_content_length = int(os.environ[MAX_CONTENT_LENGTH_ENV])
        if os.environ.get(API_ROOT_ENV):
            config.api_roots = [r.strip() for r in os.environ[API_ROOT_ENV].split(",") if r.strip()]
        if os.environ.get(VALIDATION_ENV) == "structural":
            config.validate_with_stix2 = False
        processes = os.environ.get(VALIDATION_PROCESSES_ENV)
        config.validation_processes = int(processes) if processes else default_validation_processes()
        if os.environ.get(PUBLIC_URL_ENV):
            config.public_url = os.environ[PUBLIC_URL_ENV]
        if os.environ.get(BODY_TIMEOUT_ENV):
            config.body_timeout_s = float(os.environ[BODY_TIMEOUT_ENV])
        return config


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
    app.state.store, app.state.repository, app.state.authority = store, repo, authority
    app.add_middleware(RequestGuardMiddleware)
    if repo.validate_with_stix2 and config.validation_processes >= 2:
        threading.Thread(
            target=warm_validation_pool, args=(config.validation_processes,), daemon=True
        ).start()

    @app.exception_handler(TaxiiError)
    async def _taxii_error(_request: Request, exc: TaxiiError) -> Response:
        return _error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        return _error_response(TaxiiError(exc.status_code, str(exc.detail)))

    @app.exception_handler(Exception)
    async def _server_error(_request: Request, exc: Exception) -> Response:
        # Any error no route anticipated is still a TAXII error message, never a plain-text 500;
        # Starlette re-raises it after this response, so it is logged with its traceback.
        return _error_response(TaxiiError(500, "Internal server error", type(exc).__name__))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> Response:
        return _error_response(TaxiiError(400, "Bad request", str(exc.errors())[:500]))

    def caller_of(request: Request) -> Caller:
        try:
            return authority.authenticate(
                request.headers.get("authorization"), request.headers.get("x-api-key")
            )
        except AuthenticationFailed as exc:
            raise TaxiiError(401, "Unauthorized", str(exc), _CHALLENGE) from None
        except PasswordChecksBusy as exc:
            raise TaxiiError(503, "Service Unavailable", str(exc), {"Retry-After": "1"}) from None

    def api_root_of(name: str) -> str:
        if name not in config.api_roots:
            raise TaxiiError(404, "Not found", f"no API root {name!r}")
        return name

    def collection_for(
        request: Request, root: str, collection_id: str, need: str
    ) -> tuple[CollectionInfo, Caller]:
        caller = caller_of(request)
        try:
            info = repo.collection(api_root_of(root), collection_id)
        except UnknownCollection:
            raise TaxiiError(404, "Not found", f"no collection {collection_id!r}") from None
        can_read, can_write = authority.permissions(caller, info.id, info.public_read)
        allowed = can_read if need == "read" else can_write
        if not allowed:
            if caller.anonymous:
                raise TaxiiError(401, "Unauthorized", "credentials are required", _CHALLENGE)
            raise TaxiiError(403, "Forbidden", f"{caller.name!r} may not {need} collection {info.id}")
        return info, caller

    def parse_listing(request: Request) -> tuple[ObjectFilter, int, str | None]:
        params = dict(request.query_params)
        try:
            flt = ObjectFilter.from_query(params)
            limit = int(params.get("limit", config.default_page_size))
            if limit < 1:
                raise ValueError("limit must be a positive integer")
        except ValueError as exc:
            raise TaxiiError(400, "Bad request", str(exc)) from None
        return flt, min(limit, config.max_page_size), params.get("next") or None

    def page_of(
        info: CollectionInfo, flt: ObjectFilter, limit: int, token: str | None, endpoint: str
    ) -> Page:
        try:
            return repo.page(info, flt, limit=limit, next_token=token, endpoint=endpoint)
        except BadPageToken as exc:
            raise TaxiiError(400, "Bad request", str(exc)) from None

    def date_headers(page: Page) -> dict[str, str]:
        if not page.rows:
            return {}
        return {
            "X-TAXII-Date-Added-First": format_timestamp_us(page.rows[0][1]),
            "X-TAXII-Date-Added-Last": format_timestamp_us(page.rows[-1][1]),
        }

    def envelope(page: Page, items: list[str], key: str) -> str:
        head = '{"more":' + ("true" if page.more else "false")
        if page.next:
            head += ',"next":' + json.dumps(page.next)
        if not page.rows:
            return head + "}"
        # One join over the stored texts: a page is never decoded and re-encoded.
        return f'{head},"{key}":[' + ",".join(items) + "]}"

    @app.get("/taxii2/")
    def discovery(request: Request) -> Response:
        base = public_base_url(config, request)
        return taxii_response(
            {
                "title": config.title,
                "description": config.description,
                "default": f"{base}{config.api_roots[0]}/",
                "api_roots": [f"{base}{root}/" for root in config.api_roots],
            }
        )

    @app.get("/{root}/")
    def api_root(root: str) -> Response:
        api_root_of(root)
        return taxii_response(
            {
                "title": f"{config.title}: {root}",
                "versions": [TAXII_MEDIA_TYPE],
                "max_content_length": config.max_content_length,
            }
        )

    @app.get("/{root}/status/{status_id}/")
    def status(request: Request, root: str, status_id: str) -> Response:
        caller = caller_of(request)
        if caller.anonymous:
            raise TaxiiError(401, "Unauthorized", "credentials are required", _CHALLENGE)
        # A Status lists what someone posted: only they (or an admin) may read it.
        body = repo.status(api_root_of(root), status_id, None if caller.is_admin else caller.name)
        if body is None:
            raise TaxiiError(404, "Not found", f"no status {status_id!r}")
        return taxii_response(body)

    @app.get("/{root}/collections/")
    def collections(request: Request, root: str) -> Response:
        caller = caller_of(request)
        listed = []
        for info in repo.collections(api_root_of(root)):
            can_read, can_write = authority.permissions(caller, info.id, info.public_read)
            if can_read or can_write:
                listed.append(info.resource(can_read=can_read, can_write=can_write))
        return taxii_response({"collections": listed} if listed else {})

    @app.get("/{root}/collections/{collection_id}/")
    def collection(request: Request, root: str, collection_id: str) -> Response:
        caller = caller_of(request)
        try:
            info = repo.collection(api_root_of(root), collection_id)
        except UnknownCollection:
            raise TaxiiError(404, "Not found", f"no collection {collection_id!r}") from None
        can_read, can_write = authority.permissions(caller, info.id, info.public_read)
        if not (can_read or can_write):
            if caller.anonymous:
                raise TaxiiError(401, "Unauthorized", "credentials are required", _CHALLENGE)
            raise TaxiiError(403, "Forbidden", f"{caller.name!r} has no access to collection {info.id}")
        return taxii_response(info.resource(can_read=can_read, can_write=can_write))

    @app.get("/{root}/collections/{collection_id}/objects/")
    def get_objects(request: Request, root: str, collection_id: str) -> Response:
        info, _ = collection_for(request, root, collection_id, "read")
        flt, limit, token = parse_listing(request)
        page = page_of(info, flt, limit, token, "objects")
        return taxii_response(
            envelope(page, page.bodies, "objects"), headers=date_headers(page)
        )

    @app.get("/{root}/collections/{collection_id}/manifest/")
    def get_manifest(request: Request, root: str, collection_id: str) -> Response:
        info, _ = collection_for(request, root, collection_id, "read")
        flt, limit, token = parse_listing(request)
        page = page_of(info, flt, limit, token, "manifest")
        items = [
            json.dumps(
                {
                    "id": r.stix_id,
                    "date_added": format_timestamp_us(r.date_added_us),
                    "version": r.version,
                    "media_type": f"application/stix+json;version={r.spec_version}",
                }
            )
            for r in page.records
        ]
        return taxii_response(envelope(page, items, "objects"), headers=date_headers(page))

    @app.get("/{root}/collections/{collection_id}/objects/{object_id}/")
    def get_object(request: Request, root: str, collection_id: str, object_id: str) -> Response:
        info, _ = collection_for(request, root, collection_id, "read")
        flt, limit, token = parse_listing(request)
        flt.ids = [object_id]
        page = page_of(info, flt, limit, token, "object")
        if not page.rows and not token and not repo.object_exists(info, object_id):
            raise TaxiiError(404, "Not found", f"no object {object_id!r} in collection {info.id}")
        return taxii_response(
            envelope(page, page.bodies, "objects"), headers=date_headers(page)
        )

    @app.get("/{root}/collections/{collection_id}/objects/{object_id}/versions/")
    def get_versions(request: Request, root: str, collection_id: str, object_id: str) -> Response:
        info, _ = collection_for(request, root, collection_id, "read")
        flt, limit, token = parse_listing(request)
        flt.ids, flt.versions = [object_id], ["all"]
        page = page_of(info, flt, limit, token, "versions")
        if not page.rows and not token and not repo.object_exists(info, object_id):
            raise TaxiiError(404, "Not found", f"no object {object_id!r} in collection {info.id}")
        return taxii_response(
            envelope(page, [json.dumps(r.version) for r in page.records], "versions"),
            headers=date_headers(page),
        )

    @app.delete("/{root}/collections/{collection_id}/objects/{object_id}/")
    def delete_object(request: Request, root: str, collection_id: str, object_id: str) -> Response:
        info, _ = collection_for(request, root, collection_id, "write")
        collection_for(request, root, collection_id, "read")  # TAXII §5.7: delete needs read and write
        flt, _, _ = parse_listing(request)
        if "match[version]" not in request.query_params:
            flt.versions = ["all"]
        if repo.delete_object(info, object_id, flt) == 0:
            raise TaxiiError(
                404, "Not found", f"no matching version of {object_id!r} in collection {info.id}"
            )
        return taxii_response(None)

    @app.post("/{root}/collections/{collection_id}/objects/")
    async def add_objects(request: Request, root: str, collection_id: str) -> Response:
        if not content_type_ok(request.headers.get("content-type")):
            raise TaxiiError(
                415,
                "Unsupported Media Type",
                f"POST a body of {TAXII_MEDIA_TYPE} (got {request.headers.get('content-type')!r})",
            )
        info, caller = await run_in_threadpool(collection_for, request, root, collection_id, "write")
        body = await _read_limited(request, config.max_content_length, config.body_timeout_s)
        try:
            parsed = decode_json(body)
        except ValueError as exc:
            raise TaxiiError(400, "Bad request", f"the body is not valid JSON: {exc}") from None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("objects", []), list):
            raise TaxiiError(400, "Bad request", 'the body must be a TAXII envelope: {"objects": [...]}')
        try:
            status_body = await run_in_threadpool(
                repo.add_objects, info, parsed.get("objects", []), caller.name
            )
        except EnvelopeTooLarge as exc:
            raise TaxiiError(413, "Payload Too Large", str(exc)) from None
        return taxii_response(status_body, 202)

    return app


def public_base_url(config: ServerConfig, request: Request) -> str:
    """The base URL for links in responses, ending in ``/``: configured, else the listening address."""
    if config.public_url:
        return config.public_url.rstrip("/") + "/"
    host, port = request.scope.get("server") or ("127.0.0.1", None)
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}.get(request.url.scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{request.url.scheme}://{netloc}{request.scope.get('root_path', '')}/"


async def _read_limited(request: Request, limit: int, timeout_s: float) -> bytes:
    """The request body; 413 as soon as it is known to exceed ``limit`` bytes, 408 when it has not
    all arrived ``timeout_s`` after the headers."""
    declared = request.headers.get("content-length")
    # Connection: close, as the rest of the body is not read.
    too_large = TaxiiError(
        413,
        "Payload Too Large",
        f"this API root accepts at most {limit} bytes per request",
        {"Connection": "close"},
    )
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large
                chunks.append(chunk)
    except ClientDisconnect:  # nobody is left to read an answer; a 400 keeps it out of the error log
        raise TaxiiError(400, "Bad request", "the client left before sending the whole body") from None
    except TimeoutError:
        raise TaxiiError(
            408,
            "Request Timeout",
            f"the body did not arrive within {timeout_s:g} s ({size} bytes came)",
            {"Connection": "close"},
        ) from None
    return b"".join(chunks)


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
