"""Who is calling the TAXII server and what they may do: the one permission check every route uses.

The routes declare what they need as FastAPI dependencies:

* :func:`caller` — the authenticated principal (anonymous when no credentials came; 401 for
  wrong ones, 503 with ``Retry-After`` while every password-check slot is busy);
* :func:`signed_in_caller` — the same, but anonymous is 401;
* :class:`CollectionAccess` — the collection named in the path (by id or alias) and the caller,
  when the caller holds every permission asked (401 for an anonymous caller, else 403).

The server's parts (settings, repository, authority) travel on the app as :class:`TaxiiContext`,
so a route needs no closure over them and the app can be mounted inside another (the portal).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from tongzhou.threats.auth import AuthenticationFailed, Authority, Caller, PasswordChecksBusy
from tongzhou.threats.repository import CollectionInfo, TaxiiRepository, UnknownCollection
from tongzhou.threats.taxii_errors import CHALLENGE, TaxiiError

if TYPE_CHECKING:
    from tongzhou.threats.server_config import ServerConfig


@dataclass(frozen=True, slots=True)
class TaxiiContext:
    """What every route of one TAXII app works on (``app.state.taxii``)."""

    config: ServerConfig
    repository: TaxiiRepository
    authority: Authority


def context(request: Request) -> TaxiiContext:
    """The :class:`TaxiiContext` of the app serving ``request``."""
    found: TaxiiContext = request.app.state.taxii
    return found


def caller(request: Request) -> Caller:
    """Dependency: who sent ``request`` (anonymous without credentials)."""
    try:
        return context(request).authority.authenticate(
            request.headers.get("authorization"), request.headers.get("x-api-key")
        )
    except AuthenticationFailed as exc:
        raise TaxiiError(401, "Unauthorized", str(exc), CHALLENGE) from None
    except PasswordChecksBusy as exc:
        raise TaxiiError(503, "Service Unavailable", str(exc), {"Retry-After": "1"}) from None


def signed_in_caller(request: Request) -> Caller:
    """Dependency: who sent ``request``; 401 when nobody signed in."""
    who = caller(request)
    if who.anonymous:
        raise TaxiiError(401, "Unauthorized", "credentials are required", CHALLENGE)
    return who


def api_root_name(request: Request, root: str) -> str:
    """``root`` when the server serves that API root, else 404."""
    if root not in context(request).config.api_roots:
        raise TaxiiError(404, "Not found", f"no API root {root!r}")
    return root


class Permission(StrEnum):
    """What a route needs on its collection."""

    READ = "read"
    WRITE = "write"
    SEE = "see"
    """Read or write: enough to see the collection's description (TAXII 2.1 §5.2)."""


class CollectionAccess(NamedTuple):
    """The collection a request is about and who asks."""

    collection: CollectionInfo
    caller: Caller
    can_read: bool
    can_write: bool


@dataclass(frozen=True, slots=True)
class RequireCollection:
    """Dependency: the path's collection, when the caller holds each of ``needs`` (checked in order)."""

    needs: tuple[Permission, ...]

    async def __call__(self, request: Request, root: str, collection_id: str) -> CollectionAccess:
        # Answered on the event loop when the caller, the collection and the grant are all cached
        # (no I/O); otherwise checked in the thread pool. A sync dependency would cost every request
        # a thread-pool hop beside the route's own (issue 16: ~10 % of a tiny request's CPU).
        ctx = context(request)
        headers = request.headers
        who = ctx.authority.cached_caller(headers.get("authorization"), headers.get("x-api-key"))
        if who is not None and root in ctx.config.api_roots:
            info = ctx.repository.cached_collection(root, collection_id)
            if info is not None:
                granted = ctx.authority.cached_permissions(who, info.id, info.public_read)
                if granted is not None:
                    return self._decide(who, info, *granted)
        return await run_in_threadpool(self.check, request, root, collection_id)

    def check(self, request: Request, root: str, collection_id: str) -> CollectionAccess:
        """The access check, asking the store for what is not cached (blocking: not on the loop)."""
        who = caller(request)
        ctx = context(request)
        try:
            info = ctx.repository.collection(api_root_name(request, root), collection_id)
        except UnknownCollection:
            raise TaxiiError(404, "Not found", f"no collection {collection_id!r}") from None
        return self._decide(who, info, *ctx.authority.permissions(who, info.id, info.public_read))

    def _decide(self, who: Caller, info: CollectionInfo, can_read: bool, can_write: bool) -> CollectionAccess:
        see = can_read or can_write
        allowed = {Permission.READ: can_read, Permission.WRITE: can_write, Permission.SEE: see}
        for need in self.needs:
            if not allowed[need]:
                if who.anonymous:
                    raise TaxiiError(401, "Unauthorized", "credentials are required", CHALLENGE)
                refused = "has no access to" if need is Permission.SEE else f"may not {need}"
                raise TaxiiError(403, "Forbidden", f"{who.name!r} {refused} collection {info.id}")
        return CollectionAccess(info, who, can_read, can_write)


READABLE = RequireCollection((Permission.READ,))
WRITABLE = RequireCollection((Permission.WRITE,))
DELETABLE = RequireCollection((Permission.WRITE, Permission.READ))
"""TAXII 2.1 §5.7: deleting an object needs read and write."""
VISIBLE = RequireCollection((Permission.SEE,))
