"""TAXII collections and their objects on the store: bulk ingest and keyset-paged reads.

Every write (objects, the flags of older versions, the collection's ``last_added_us`` and the
Status resource) happens in one transaction, so a request either lands whole or not at all and a
Status reported to the client always describes objects that are on disk. Reads are keyset pages
(:mod:`tongzhou.threats.object_pages`) continued by signed tokens (:mod:`tongzhou.threats.paging`).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from tongzhou.store import Store
from tongzhou.threats._tables import COLLECTIONS, OBJECTS, SETTINGS, STATUSES
from tongzhou.threats.envelope_bounds import (
    MAX_OBJECTS_PER_ENVELOPE,
    MAX_STATUS_FAILURES,
    check_envelope,
)
from tongzhou.threats.object_filter import ObjectFilter
from tongzhou.threats.object_ingest import lock_collection, store_batch
from tongzhou.threats.object_pages import (
    Page,
    fetch_page_rows,
    page_statement,
)
from tongzhou.threats.paging import PageCursor, filter_digest, issue_token, read_token
from tongzhou.threats.timestamps import format_timestamp_us, now_us
from tongzhou.threats.ttl_cache import TtlCache
from tongzhou.threats.validation import ValidatedObject, validate_objects
from tongzhou.threats.wire_json import encode_json

COLLECTION_CACHE_SECONDS = 1.0
"""How long a worker trusts a collection's description (title, alias, public flag) it has read."""
PAGE_KEY_SETTING = "taxii_page_key"


class UnknownCollection(LookupError):
    """No collection with that id (or alias) in that API root."""


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    """A collection's TAXII description plus its access settings."""

    id: str
    api_root: str
    title: str
    description: str | None
    alias: str | None
    public_read: bool

    def resource(self, *, can_read: bool, can_write: bool) -> dict[str, Any]:
        """The TAXII Collection resource (§5.2.1) for a caller with these permissions."""
        body: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "can_read": can_read,
            "can_write": can_write,
            "media_types": ["application/stix+json;version=2.1"],
        }
        if self.description:
            body["description"] = self.description
        if self.alias:
            body["alias"] = self.alias
        return body


class TaxiiRepository:
    """Collections, objects and Status resources of a TAXII server, on one :class:`Store`."""

    def __init__(
        self,
        store: Store,
        *,
        validate_with_stix2: bool = True,
        validation_processes: int = 0,
        max_objects_per_envelope: int = MAX_OBJECTS_PER_ENVELOPE,
    ) -> None:
        self.store = store
        self.max_objects_per_envelope = max_objects_per_envelope
        self.validate_with_stix2 = validate_with_stix2
        self.validation_processes = validation_processes
        """Worker processes for full stix2 validation of large envelopes (0 or 1: in-process)."""
        self._page_key: bytes | None = None
        self._collections: TtlCache[CollectionInfo] = TtlCache(COLLECTION_CACHE_SECONDS)

    # -- settings -------------------------------------------------------------------------------
    def page_key(self) -> bytes:
        """The HMAC key for page tokens, created once per deployment and shared through the store."""
        if self._page_key is None:
            with self.store.transaction() as session:
                value = session.execute(
                    select(SETTINGS.c.value).where(SETTINGS.c.name == PAGE_KEY_SETTING)
                ).scalar()
            if value is None:
                try:
                    with self.store.transaction() as session:
                        value = secrets.token_hex(32)
                        session.execute(SETTINGS.insert().values(name=PAGE_KEY_SETTING, value=value))
                except IntegrityError:  # another worker created it first: use theirs
                    with self.store.transaction() as session:
                        value = session.execute(
                            select(SETTINGS.c.value).where(SETTINGS.c.name == PAGE_KEY_SETTING)
                        ).scalar_one()
            self._page_key = bytes.fromhex(value)
        return self._page_key

    # -- collections ----------------------------------------------------------------------------
    def create_collection(
        self,
        api_root: str,
        title: str,
        *,
        description: str | None = None,
        alias: str | None = None,
        public_read: bool = False,
        collection_id: str | None = None,
    ) -> CollectionInfo:
        """Create a collection (id: a new UUID unless given)."""
        info = CollectionInfo(
            collection_id or str(uuid.uuid4()), api_root, title, description, alias, public_read
        )
        with self.store.transaction() as session:
            session.execute(
                COLLECTIONS.insert().values(
                    id=info.id,
                    api_root=api_root,
                    title=title,
                    description=description,
                    alias=alias,
                    public_read=public_read,
                    last_added_us=0,
                    created_us=now_us(),
                )
            )
        return info

    def collections(self, api_root: str) -> list[CollectionInfo]:
        """Every collection of an API root, oldest first."""
        with self.store.transaction() as session:
            rows = session.execute(
                select(COLLECTIONS)
                .where(COLLECTIONS.c.api_root == api_root)
                .order_by(COLLECTIONS.c.created_us, COLLECTIONS.c.id)
            ).all()
        return [
            CollectionInfo(r.id, r.api_root, r.title, r.description, r.alias, r.public_read) for r in rows
        ]

    def cached_collection(self, api_root: str, id_or_alias: str) -> CollectionInfo | None:
        """The collection when this process looked it up moments ago, else None (no store access)."""
        return self._collections.get((api_root, id_or_alias))

    def collection(self, api_root: str, id_or_alias: str) -> CollectionInfo:
        """One collection by id or alias; :class:`UnknownCollection` if absent."""
        cached = self._collections.get((api_root, id_or_alias))
        if cached is not None:
            return cached
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(COLLECTIONS).where(
                    COLLECTIONS.c.api_root == api_root,
                    or_(COLLECTIONS.c.id == id_or_alias, COLLECTIONS.c.alias == id_or_alias),
                )
            ).first()
        if row is None:
            raise UnknownCollection(id_or_alias)
        info = CollectionInfo(row.id, row.api_root, row.title, row.description, row.alias, row.public_read)
        return self._collections.put((api_root, id_or_alias), info)

    # -- ingest ---------------------------------------------------------------------------------
    def add_objects(
        self, collection: CollectionInfo, objects: Sequence[Any], principal: str | None = None
    ) -> dict[str, Any]:
        """Validate and store ``objects``; return the (complete) TAXII Status resource.

        :class:`~tongzhou.threats.envelope_bounds.EnvelopeTooLarge` when the envelope asks more
        than one request may (see :mod:`tongzhou.threats.envelope_bounds`); the Status lists at
        most :data:`MAX_STATUS_FAILURES` failures (``failure_count`` counts them all).
        """
        check_envelope(objects, self.max_objects_per_envelope)
        request_us = now_us()
        valid: list[ValidatedObject] = []
        failures: list[dict[str, str]] = []
        failure_count = 0
        checked = validate_objects(
            objects, use_stix2=self.validate_with_stix2, processes=self.validation_processes
        )
        for obj, outcome in zip(objects, checked, strict=True):
            if isinstance(outcome, ValidatedObject):
                valid.append(outcome)
                continue
            failure_count += 1
            if len(failures) >= MAX_STATUS_FAILURES:
                continue
            failed_id = obj.get("id") if isinstance(obj, dict) and isinstance(obj.get("id"), str) else ""
            detail: dict[str, str] = {"id": str(failed_id), "message": outcome}
            if isinstance(obj, dict) and isinstance(obj.get("modified"), str):
                detail["version"] = obj["modified"]
            failures.append(detail)
        status_id = str(uuid.uuid4())
        with self.store.transaction() as session:
            successes = store_batch(session.connection(), collection.id, valid)
            status = {
                "id": status_id,
                "status": "complete",
                "request_timestamp": format_timestamp_us(request_us),
                "total_count": len(objects),
                "success_count": len(successes),
                "successes": successes,
                "failure_count": failure_count,
                "failures": failures,
                "pending_count": 0,
                "pendings": [],
            }
            session.execute(
                STATUSES.insert().values(
                    id=status_id,
                    api_root=collection.api_root,
                    collection_id=collection.id,
                    principal=principal,
                    request_us=request_us,
                    body=encode_json(status),
                )
            )
        return status

    def status(self, api_root: str, status_id: str, principal: str | None = None) -> dict[str, Any] | None:
        """A stored Status resource, or None; with ``principal``, only one that principal requested."""
        query = select(STATUSES.c.body).where(STATUSES.c.api_root == api_root, STATUSES.c.id == status_id)
        if principal is not None:
            query = query.where(STATUSES.c.principal == principal)
        with self.store.transaction() as session:
            body = session.execute(query).scalar()
        return json.loads(body) if body is not None else None

    # -- reads ----------------------------------------------------------------------------------
    def page_cursor(
        self, collection: CollectionInfo, flt: ObjectFilter, endpoint: str, next_token: str | None
    ) -> PageCursor | None:
        """Where the page after ``next_token`` starts (None: the first page); :class:`BadPageToken`
        for a token not issued for this collection, endpoint and filters."""
        if not next_token:
            return None
        return read_token(self.page_key(), _digest(collection, flt, endpoint), next_token)

    def page(
        self,
        collection: CollectionInfo,
        flt: ObjectFilter,
        *,
        limit: int,
        next_token: str | None,
        endpoint: str = "objects",
    ) -> Page:
        """One page of object versions matching ``flt``, ascending by ``date_added``."""
        cursor = self.page_cursor(collection, flt, endpoint, next_token)
        query = page_statement(collection.id, flt.conditions(), endpoint, cursor, limit + 1)
        rows = fetch_page_rows(self.store, query)
        more = len(rows) > limit
        if more:
            del rows[limit:]
        token = None
        if more:
            last = PageCursor(date_added_us=rows[-1][1], pk=rows[-1][0])
            token = issue_token(self.page_key(), _digest(collection, flt, endpoint), last)
        return Page(rows, more, token, endpoint)

    def object_exists(self, collection: CollectionInfo, stix_id: str) -> bool:
        """Whether any version of ``stix_id`` is in the collection."""
        with self.store.engine.connect() as conn:
            return (
                conn.execute(
                    select(OBJECTS.c.pk)
                    .where(OBJECTS.c.collection_id == collection.id, OBJECTS.c.stix_id == stix_id)
                    .limit(1)
                ).first()
                is not None
            )

    def count(self, collection: CollectionInfo) -> int:
        """How many object versions the collection holds."""
        from sqlalchemy import func

        with self.store.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(OBJECTS).where(OBJECTS.c.collection_id == collection.id)
                ).scalar_one()
            )

    def delete_object(self, collection: CollectionInfo, stix_id: str, flt: ObjectFilter) -> int:
        """Delete the versions of ``stix_id`` matching ``flt``; returns how many were deleted."""
        conds = [OBJECTS.c.collection_id == collection.id, OBJECTS.c.stix_id == stix_id]
        conds += [c for c in flt.conditions()]
        with self.store.transaction() as session:
            conn = session.connection()
            lock_collection(conn, collection.id)
            deleted = conn.execute(delete(OBJECTS).where(*conds)).rowcount
            if deleted:
                remaining = conn.execute(
                    select(OBJECTS.c.pk, OBJECTS.c.version_us).where(
                        OBJECTS.c.collection_id == collection.id, OBJECTS.c.stix_id == stix_id
                    )
                ).all()
                if remaining:
                    low = min(r.version_us for r in remaining)
                    high = max(r.version_us for r in remaining)
                    for row in remaining:
                        conn.execute(
                            update(OBJECTS)
                            .where(OBJECTS.c.pk == row.pk)
                            .values(is_last=row.version_us == high, is_first=row.version_us == low)
                        )
        return int(deleted)


def _digest(collection: CollectionInfo, flt: ObjectFilter, endpoint: str) -> str:
    """What a page token of this listing is bound to (see :mod:`tongzhou.threats.paging`)."""
    return filter_digest(collection.id, endpoint, flt.digest_params())
