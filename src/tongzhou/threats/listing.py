"""A listing request (objects, manifest, object, versions): its filters and limit in, one page out.

:func:`listing_request` reads ``added_after``, ``match[…]``, ``limit`` and ``next`` (400 when one
is malformed); :func:`read_page` fetches the page (400 for a token this server did not issue for
this request); :func:`page_response` wraps it as a TAXII envelope with the
``X-TAXII-Date-Added-First/Last`` headers (TAXII 2.1 §3.3.2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from tongzhou.threats.object_filter import ObjectFilter
from tongzhou.threats.object_pages import Page
from tongzhou.threats.paging import BadPageToken
from tongzhou.threats.repository import CollectionInfo
from tongzhou.threats.taxii_access import context
from tongzhou.threats.taxii_errors import TaxiiError, taxii_response
from tongzhou.threats.timestamps import format_timestamp_us


@dataclass(slots=True)
class ListingRequest:
    """The filters, page size and ``next`` token of one listing request."""

    filter: ObjectFilter
    limit: int
    """Page size, already capped at the server's ``max_page_size``."""
    token: str | None


async def listing_request(request: Request) -> ListingRequest:
    """Dependency: the listing parameters of ``request``; 400 when one is malformed.

    (``async`` though it awaits nothing: it does no I/O, and a plain function would cost the
    request another trip through the thread pool.)"""
    config = context(request).config
    params = dict(request.query_params)
    try:
        flt = ObjectFilter.from_query(params)
        limit = int(params.get("limit", config.default_page_size))
        if limit < 1:
            raise ValueError("limit must be a positive integer")
    except ValueError as exc:
        raise TaxiiError(400, "Bad request", str(exc)) from None
    return ListingRequest(flt, min(limit, config.max_page_size), params.get("next") or None)


def read_page(request: Request, info: CollectionInfo, listing: ListingRequest, endpoint: str) -> Page:
    """One page of ``info`` for ``listing`` on ``endpoint``."""
    try:
        return context(request).repository.page(
            info, listing.filter, limit=listing.limit, next_token=listing.token, endpoint=endpoint
        )
    except BadPageToken as exc:
        raise TaxiiError(400, "Bad request", str(exc)) from None


def page_response(page: Page, items: list[str], key: str) -> Response:
    """``page`` as a TAXII envelope whose ``key`` lists ``items`` (JSON texts), with its date headers."""
    head = '{"more":' + ("true" if page.more else "false")
    if page.next:
        head += ',"next":' + json.dumps(page.next)
    if not page.rows:
        return taxii_response(head + "}")
    headers = {
        "X-TAXII-Date-Added-First": format_timestamp_us(page.rows[0][1]),
        "X-TAXII-Date-Added-Last": format_timestamp_us(page.rows[-1][1]),
    }
    # One join over the stored texts: a page is never decoded and re-encoded.
    return taxii_response(f'{head},"{key}":[' + ",".join(items) + "]}", headers=headers)
