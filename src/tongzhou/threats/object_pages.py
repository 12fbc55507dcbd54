"""Pages of a collection's objects: the keyset statement, the plain-row fetch, and the page.

A page is ``limit + 1`` rows after a cursor ``(date_added_us, pk)`` in that order (the extra row
says whether there is more); :mod:`tongzhou.threats.paging` turns the cursor into a ``next`` token.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Select, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from tongzhou.store import Store
from tongzhou.threats._tables import OBJECTS
from tongzhou.threats.paging import PageCursor

OBJECT_ENDPOINTS = frozenset({"objects", "object"})
"""Endpoints whose pages carry object bodies; the others (manifest, versions) carry descriptions."""


class ObjectRecord(NamedTuple):
    """One stored object version as described on a manifest or versions page (no body)."""

    pk: int
    date_added_us: int
    stix_id: str
    version: str
    spec_version: str


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing, as the rows the database returned.

    Rows are ``(pk, date_added_us, body)`` on the object endpoints and ``(pk, date_added_us,
    stix_id, version, spec_version)`` on the others: a page of 1,000 bodies is served by joining
    the stored texts, without building an object per row (profiled: that and the unused columns
    cost more than SQLite's fetch).
    """

    rows: list[tuple[Any, ...]]
    more: bool
    next: str | None
    endpoint: str = "objects"

    @property
    def bodies(self) -> list[str]:
        """The stored JSON texts of the objects (object endpoints)."""
        if self.endpoint not in OBJECT_ENDPOINTS:
            raise ValueError(f"a {self.endpoint} page carries no object bodies")
        return [row[2] for row in self.rows]

    @property
    def records(self) -> list[ObjectRecord]:
        """The rows as records (manifest and versions endpoints)."""
        if self.endpoint in OBJECT_ENDPOINTS:
            raise ValueError("an objects page carries bodies, not records: read page.bodies")
        return list(map(ObjectRecord._make, self.rows))

    @property
    def dates_added_us(self) -> list[int]:
        """``date_added`` of each row, in order."""
        return [row[1] for row in self.rows]


def page_statement(
    collection_id: str,
    conditions: Iterable[ColumnElement[bool]],
    endpoint: str,
    cursor: PageCursor | None,
    rows: int,
) -> Select[Any]:
    """At most ``rows`` rows of the collection matching ``conditions`` after ``cursor``, in page order."""
    columns = (
        (OBJECTS.c.body,)
        if endpoint in OBJECT_ENDPOINTS
        else (OBJECTS.c.stix_id, OBJECTS.c.version, OBJECTS.c.spec_version)
    )
    query = select(OBJECTS.c.pk, OBJECTS.c.date_added_us, *columns)
    query = query.where(OBJECTS.c.collection_id == collection_id, *conditions)
    if cursor is not None:
        # A row-value comparison, not ``a > x OR (a = x AND pk > y)``: both databases turn it into
        # one range scan of the page index, where the OR form made SQLite filter row by row
        # (measured: the same-schema loop's reads 1.7x faster).
        query = query.where(
            tuple_(OBJECTS.c.date_added_us, OBJECTS.c.pk) > tuple_(cursor.date_added_us, cursor.pk)
        )
    return query.order_by(OBJECTS.c.date_added_us, OBJECTS.c.pk).limit(rows)


def fetch_page_rows(store: Store, query: Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of a :func:`page_statement`, read with the page index (see :func:`plan_pages_by_index`)."""
    with store.engine.connect() as conn:
        plan_pages_by_index(conn)
        return _fetch_rows(conn, query)


_INDEX_ORDER_SETTINGS = (
    "SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)"
)


def plan_pages_by_index(conn: Connection) -> None:
    """On PostgreSQL, have the page query walk an index in order, whatever the statistics say.

    Without statistics (a collection just loaded, before autovacuum's next ANALYZE) the planner
    guessed ~15 matching rows and chose a bitmap scan of *every* row after the cursor plus a sort,
    so each page cost as much as the rest of the collection (measured on 20,000 objects: 13 ms a
    page against 2.5 ms, and growing with the collection). Turned off for this transaction only
    (``set_config(…, true)``), which leaves the planner the choice of index (the page order, or the
    version index for ``match[id]``). SQLite has no such planner and needs nothing.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_INDEX_ORDER_SETTINGS)


def _fetch_rows(conn: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """Run ``query`` (SQLAlchemy's compiled cache applies) and fetch plain tuples from the DBAPI cursor.

    For a page of 1,000 rows SQLAlchemy's per-row result processing cost more than SQLite's own
    fetch (profiled); the columns read here need no type processing on SQLite or psycopg.
    """
    result = conn.execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()
