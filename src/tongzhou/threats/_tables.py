"""The threats module's tables: TAXII collections, object versions, status, principals and incidents.

Designed for paged reads and bulk ingest on SQLite and PostgreSQL alike:

* every timestamp is an integer count of microseconds since the epoch (exact, fast to compare,
  identical on both databases);
* ``date_added`` is unique and strictly increasing inside a collection (the ingest transaction
  holds the collection row), so keyset pagination over ``(date_added, pk)`` never skips or repeats
  an object and ``added_after`` polling cannot leak items through timestamp ties;
* ``is_last`` / ``is_first`` flags are maintained at ingest so ``match[version]=last|first`` is a
  plain indexed filter instead of a per-object sub-query;
* the object body is stored as the compact JSON text it is served as, so a page is built by
  joining strings, not by decoding and re-encoding objects.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongzhou.store import Base

MAX_STIX_TYPE_LENGTH = 250
"""STIX 2.1 §2.9: a type name is 3 to 250 characters."""
MAX_STIX_ID_LENGTH = MAX_STIX_TYPE_LENGTH + len("--") + 36
"""``<type>--<UUID>``: 288 characters at most (threats_0003 widened the columns to these)."""

# SQLite only aliases INTEGER PRIMARY KEY to the rowid (auto-increment); PostgreSQL wants BIGINT.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class TaxiiCollectionRow(Base):
    """A TAXII collection inside an API root."""

    __tablename__ = "threats_collection"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    api_root: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    alias: Mapped[str | None] = mapped_column(String(64), nullable=True)
    public_read: Mapped[bool] = mapped_column(Boolean, default=False)
    last_added_us: Mapped[int] = mapped_column(BigInteger, default=0)
    """Highest ``date_added`` handed out in this collection (the ingest lock row)."""
    created_us: Mapped[int] = mapped_column(BigInteger)


class StixObjectRow(Base):
    """One version of one STIX object in one collection."""

    __tablename__ = "threats_object"
    __table_args__ = (
        UniqueConstraint("collection_id", "stix_id", "version_us", name="uq_threats_object_version"),
        Index("ix_threats_object_page", "collection_id", "date_added_us", "pk"),
        # Look-ups by (collection_id, stix_id) use the unique index's leading columns (threats_0002).
    )

    pk: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(String(64))
    stix_id: Mapped[str] = mapped_column(String(MAX_STIX_ID_LENGTH))
    stix_type: Mapped[str] = mapped_column(String(MAX_STIX_TYPE_LENGTH))
    spec_version: Mapped[str] = mapped_column(String(8))
    version: Mapped[str] = mapped_column(String(40))
    """The object's ``modified`` (or ``created``) timestamp as sent."""
    version_us: Mapped[int] = mapped_column(BigInteger)
    date_added_us: Mapped[int] = mapped_column(BigInteger)
    is_last: Mapped[bool] = mapped_column(Boolean, default=True)
    is_first: Mapped[bool] = mapped_column(Boolean, default=True)
    body: Mapped[str] = mapped_column(Text)


class TaxiiStatusRow(Base):
    """The Status resource of one Add Objects request (written in the same transaction)."""

    __tablename__ = "threats_status"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    api_root: Mapped[str] = mapped_column(String(64))
    collection_id: Mapped[str] = mapped_column(String(64))
    principal: Mapped[str | None] = mapped_column(String(128), nullable=True)
    request_us: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(Text)
    """The Status resource as JSON (counts and id lists)."""


class PrincipalRow(Base):
    """A user or service that may authenticate (HTTP Basic password and/or API keys)."""

    __tablename__ = "threats_principal"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    """``scrypt$n$r$p$salt$hash`` (hex); never the password."""
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiKeyRow(Base):
    """An API key / bearer token; only its SHA-256 is stored."""

    __tablename__ = "threats_api_key"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    principal: Mapped[str] = mapped_column(String(128), index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_us: Mapped[int] = mapped_column(BigInteger)
    expires_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """When the key stops working (NULL: never)."""


class GrantRow(Base):
    """Per-collection read/write permission of a principal."""

    __tablename__ = "threats_grant"

    principal: Mapped[str] = mapped_column(String(128), primary_key=True)
    collection_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    can_read: Mapped[bool] = mapped_column(Boolean, default=False)
    can_write: Mapped[bool] = mapped_column(Boolean, default=False)


class SettingRow(Base):
    """Server-wide settings shared by every worker (e.g. the pagination-token key)."""

    __tablename__ = "threats_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class IncidentRow(Base):
    """An AI incident (or hazard) record; its STIX form is kept beside the fields we query."""

    __tablename__ = "threats_incident"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    classification: Mapped[str] = mapped_column(String(16))
    """OECD: ``incident`` or ``hazard``."""
    severity: Mapped[str] = mapped_column(String(40))
    occurred_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    aware_us: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(64))
    created_us: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(Text)
    """The incident record as JSON (see :class:`tongzhou.threats.incidents.IncidentRecord`)."""


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


COLLECTIONS = _table(TaxiiCollectionRow)
OBJECTS = _table(StixObjectRow)
STATUSES = _table(TaxiiStatusRow)
PRINCIPALS = _table(PrincipalRow)
KEYS = _table(ApiKeyRow)
GRANTS = _table(GrantRow)
SETTINGS = _table(SettingRow)
INCIDENTS = _table(IncidentRow)
