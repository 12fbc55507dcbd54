"""TAXII 2.1 §5.1–5.3: the collections of an API root, one collection, and its manifest."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tongzhou.threats.auth import Caller
from tongzhou.threats.listing import ListingRequest, listing_request, page_response, read_page
from tongzhou.threats.taxii_access import READABLE, VISIBLE, CollectionAccess, api_root_name, caller, context
from tongzhou.threats.taxii_errors import taxii_response
from tongzhou.threats.timestamps import format_timestamp_us

router = APIRouter()


@router.get("/{root}/collections/")
def collections(request: Request, who: Annotated[Caller, Depends(caller)], root: str) -> Response:
    """§5.1 Get Collections: those the caller may read or write."""
    ctx = context(request)
    listed = []
    for info in ctx.repository.collections(api_root_name(request, root)):
        can_read, can_write = ctx.authority.permissions(who, info.id, info.public_read)
        if can_read or can_write:
            listed.append(info.resource(can_read=can_read, can_write=can_write))
    return taxii_response({"collections": listed} if listed else {})


@router.get("/{root}/collections/{collection_id}/")
def collection(access: Annotated[CollectionAccess, Depends(VISIBLE)]) -> Response:
    """§5.2 Get a Collection."""
    return taxii_response(access.collection.resource(can_read=access.can_read, can_write=access.can_write))


@router.get("/{root}/collections/{collection_id}/manifest/")
def get_manifest(
    request: Request,
    access: Annotated[CollectionAccess, Depends(READABLE)],
    listing: Annotated[ListingRequest, Depends(listing_request)],
) -> Response:
    """§5.3 Get Object Manifests."""
    page = read_page(request, access.collection, listing, "manifest")
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
    return page_response(page, items, "objects")
