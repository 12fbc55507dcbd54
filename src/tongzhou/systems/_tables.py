"""The registry table: one row per registered AI system (the validated profile as canonical JSON)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongzhou.store import Base


class SystemRecord(Base):
    """A registered system: its profile, hash, and when it was registered and last changed."""

    __tablename__ = "systems_profile"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(64))
    registrant_role: Mapped[str] = mapped_column(String(32))
    profile_json: Mapped[str] = mapped_column(Text)
    """Canonical JSON (RFC 8785) of the validated profile."""
    sha256: Mapped[str] = mapped_column(String(71))
    """``sha256:<hex>`` of :attr:`profile_json`."""
    source: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
