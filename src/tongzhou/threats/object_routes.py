"""TAXII 2.1 §5.4–5.8: a collection's objects — list, add, get one, delete one, its versions."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from tongzhou.threats.envelope_bounds import EnvelopeTooLarge
from tongzhou.threats.listing import ListingRequest, listing_request, page_response, read_page
from tongzhou.threats.object_pages import Page
from tongzhou.threats.repository import CollectionInfo
from tongzhou.threats.request_body import read_envelope, taxii_content_type
from tongzhou.threats.taxii_access import DELETABLE, READABLE, WRITABLE, CollectionAccess, context
from tongzhou.threats.taxii_errors import TaxiiError, taxii_response

router = APIRouter()
Readable = Annotated[CollectionAccess, Depends(READABLE)]
Listing = Annotated[ListingRequest, Depends(listing_request)]


@router.get("/{root}/collections/{collection_id}/objects/")
def get_objects(request: Request, access: Readable, listing: Listing) -> Response:
    """§5.4 Get Objects."""
    page = read_page(request, access.collection, listing, "objects")
    return page_response(page, page.bodies, "objects")


@router.post("/{root}/collections/{collection_id}/objects/", dependencies=[Depends(taxii_content_type)])
async def add_objects(request: Request, access: Annotated[CollectionAccess, Depends(WRITABLE)]) -> Response:
    """§5.5 Add Objects: validated and stored in one transaction; the Status is complete (202)."""
    ctx = context(request)
    objects = await read_envelope(request, ctx.config.max_content_length, ctx.config.body_timeout_s)
    try:
        status_body = await run_in_threadpool(
            ctx.repository.add_objects, access.collection, objects, access.caller.name
        )
    except EnvelopeTooLarge as exc:
        raise TaxiiError(413, "Payload Too Large", str(exc)) from None
    return taxii_response(status_body, 202)


@router.get("/{root}/collections/{collection_id}/objects/{object_id}/")
def get_object(request: Request, access: Readable, listing: Listing, object_id: str) -> Response:
    """§5.6 Get an Object (its versions matching the filters)."""
    listing.filter.ids = [object_id]
    page = _object_page(request, access.collection, listing, object_id, "object")
    return page_response(page, page.bodies, "objects")


@router.delete("/{root}/collections/{collection_id}/objects/{object_id}/")
def delete_object(
    request: Request,
    access: Annotated[CollectionAccess, Depends(DELETABLE)],
    listing: Listing,
    object_id: str,
) -> Response:
    """§5.7 Delete an Object: every version unless ``match[version]`` names some."""
    info, flt = access.collection, listing.filter
    if "match[version]" not in request.query_params:
        flt.versions = ["all"]
    if context(request).repository.delete_object(info, object_id, flt) == 0:
        raise TaxiiError(404, "Not found", f"no matching version of {object_id!r} in collection {info.id}")
    return taxii_response(None)


@router.get("/{root}/collections/{collection_id}/objects/{object_id}/versions/")
def get_versions(request: Request, access: Readable, listing: Listing, object_id: str) -> Response:
    """§5.8 Get Object Versions."""
    listing.filter.ids, listing.filter.versions = [object_id], ["all"]
    page = _object_page(request, access.collection, listing, object_id, "versions")
    return page_response(page, [json.dumps(r.version) for r in page.records], "versions")


def _object_page(
    request: Request, info: CollectionInfo, listing: ListingRequest, object_id: str, endpoint: str
) -> Page:
    """A page about one object; 404 when the object is not in the collection at all."""
    page = read_page(request, info, listing, endpoint)
    if not page.rows and not listing.token and not context(request).repository.object_exists(info, object_id):
        raise TaxiiError(404, "Not found", f"no object {object_id!r} in collection {info.id}")
    return page
