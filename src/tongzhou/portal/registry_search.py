"""Searching the registry listing: filters on indexed facets, keyset paging by system id.

A page is ``WHERE system_id > :after … ORDER BY system_id LIMIT n`` over the primary key, and each
filter an ``IN`` over the facet index ``(kind, value, system_id)``: the cost of a page does not
grow with how deep it is, which OFFSET paging's would (benchmarks/portal_throughput.py measures
10,000 systems). Every value is a bound parameter; text search escapes ``%``/``_``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, select

from tongzhou.portal._tables import FACETS, LISTING
from tongzhou.store import Store

MAX_PAGE = 100
DEFAULT_PAGE = 25
_SYSTEM_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


@dataclass(frozen=True, slots=True)
class RegistryFilter:
    """What a visitor filters by; empty means any."""

    jurisdiction: str = ""
    tier: str = ""
    sector: str = ""
    provider: str = ""
    status: str = ""
    q: str = ""
    """Text in the name or id."""

    @classmethod
    def from_params(cls, params: dict[str, str]) -> RegistryFilter:
        """From query parameters (over-long values are cut, never an error)."""
        return cls(**{name: (params.get(name) or "").strip()[:255] for name in cls.__slots__})

    def params(self) -> dict[str, str]:
        """The non-empty filters, for links to the next page."""
        return {name: getattr(self, name) for name in self.__slots__ if getattr(self, name)}


@dataclass(frozen=True, slots=True)
class ListedSystem:
    """One row of the registry list."""

    system_id: str
    name: str
    provider: str
    status: str
    restricted: bool
    tiers: dict[str, Any] = field(default_factory=dict)
    """Headline tier per in-scope jurisdiction (``None``: in scope, no tier)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the API returns."""
        return {
            "id": self.system_id,
            "name": self.name,
            "provider": self.provider,
            "status": self.status,
            "restricted": self.restricted,
            "tiers": self.tiers,
        }


@dataclass(frozen=True, slots=True)
class ListingPage:
    """One page and where the next starts (None: this is the last)."""

    systems: list[ListedSystem]
    next_after: str | None


def search_registry(
    store: Store,
    flt: RegistryFilter,
    *,
    include_restricted: bool,
    after: str | None = None,
    limit: int = DEFAULT_PAGE,
) -> ListingPage:
    """One page of listed systems matching ``flt``, after the system id ``after``."""
    limit = max(1, min(limit, MAX_PAGE))
    query, key = _filtered(flt, include_restricted)
    if after and _SYSTEM_ID.fullmatch(after):
        query = query.where(key > after)
    query = query.order_by(key).limit(limit + 1)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    systems = [ListedSystem(r[0], r[1], r[2], r[3], bool(r[4]), json.loads(r[5])) for r in rows[:limit]]
    more = len(rows) > limit
    return ListingPage(systems, systems[-1].system_id if more and systems else None)


def facet_values(store: Store, kind: str, *, include_restricted: bool) -> list[str]:
    """The distinct values of one facet (for the filter menus)."""
    query = select(FACETS.c.value).where(FACETS.c.kind == kind).distinct().order_by(FACETS.c.value)
    if not include_restricted:
        visible = select(LISTING.c.system_id).where(LISTING.c.restricted.is_(False))
        query = query.where(FACETS.c.system_id.in_(visible))
    with store.engine.connect() as conn:
        return [str(v) for v in conn.execute(query.limit(500)).scalars()]


def _filtered(flt: RegistryFilter, include_restricted: bool) -> tuple[Select[Any], ColumnElement[str]]:
    """The filtered query and the system id column to page by.

    With a facet filter, the query walks the facet index ``(kind, value, system_id)`` of one filter
    (the provider, else the sector, else the jurisdiction and tier, else the status: the order in
    which they usually narrow the list most) in system id order and joins each row to its listing
    entry, so a page stops after ``limit + 1`` matches; the other filters are ``EXISTS`` probes of
    the same index. ``system_id IN (subquery)`` built the whole list of matches on every request
    (4,000 of 10,000 systems for EU high-risk: 1.7-3 ms of SQLite time against 0.1-0.2 ms this
    way, on benchmarks/portal_throughput.py's data, measured on the loaded build machine). The cost
    now is the facet rows walked before ``limit`` of them pass the other filters: a second filter
    that rejects a long run of ids (EU high-risk and ``determined`` there: 10 ms) costs more than
    the list did. The Art. 49(4) filter is written ``restricted IS NOT true``: with ``= false``
    SQLite, which has no statistics until ``ANALYZE``, chose the ``(restricted, system_id)`` index
    instead, scanned the listing and sorted it (11 ms).
    """
    columns = (
        LISTING.c.system_id,
        LISTING.c.name,
        LISTING.c.provider,
        LISTING.c.status,
        LISTING.c.restricted,
        LISTING.c.summary_json,
    )
    wanted: list[tuple[str, str]] = []  # the likely most selective first: it drives the query
    for kind in ("provider", "sector"):
        if getattr(flt, kind):
            wanted.append((kind, getattr(flt, kind)))
    if flt.jurisdiction and flt.tier:
        wanted.append(("jtier", f"{flt.jurisdiction}:{flt.tier}"))
    elif flt.jurisdiction:
        wanted.append(("jurisdiction", flt.jurisdiction))
    elif flt.tier:
        wanted.append(("tier", flt.tier))
    if flt.status:
        wanted.append(("status", flt.status))
    key: ColumnElement[str]
    if wanted:
        kind, value = wanted[0]
        query = (
            select(*columns)
            .select_from(FACETS.join(LISTING, LISTING.c.system_id == FACETS.c.system_id))
            .where(FACETS.c.kind == kind, FACETS.c.value == value)
        )
        key = FACETS.c.system_id
        for kind, value in wanted[1:]:
            other = FACETS.alias()
            query = query.where(
                exists().where(
                    other.c.kind == kind, other.c.value == value, other.c.system_id == LISTING.c.system_id
                )
            )
        if not include_restricted:
            query = query.where(LISTING.c.restricted.is_not(True))
    else:
        query = select(*columns)
        key = LISTING.c.system_id
        if not include_restricted:
            query = query.where(LISTING.c.restricted.is_(False))
    if flt.q:
        pattern = "%" + flt.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            LISTING.c.name.ilike(pattern, escape="\\") | LISTING.c.system_id.like(pattern, escape="\\")
        )
    return query, key
