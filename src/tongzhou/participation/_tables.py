"""participation's tables: public incident reports, their evidence, every moderation decision, the
incidents each report became part of, and the notices to providers.

A report is never deleted: a rejection is a decision with its reason, kept with the report.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongzhou.store import Base

RowId = BigInteger().with_variant(Integer(), "sqlite")


class ReportRow(Base):
    """An AI incident as someone from the public reported it."""

    __tablename__ = "participation_report"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    """``rpt-`` and 16 hex digits; shown to moderators, never a key to the reporter's view."""
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the reporter's private status token; the token itself is not stored."""
    state: Mapped[str] = mapped_column(String(16), index=True)
    """``received``, ``needs-info``, ``accepted`` or ``rejected`` (:class:`ReportState`)."""
    system_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    """The registered system, when the reporter picked one."""
    system_text: Mapped[str] = mapped_column(String(255))
    """The system as the reporter named it (free text, or the registered system's name)."""
    what_happened: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[str] = mapped_column(String(10))
    """ISO date (YYYY-MM-DD) the reporter gave."""
    harm_types_json: Mapped[str] = mapped_column(Text)
    links_json: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(255), nullable=True)
    submitted_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_participation_report_state_submitted", "state", "submitted_us"),)


class EvidenceRow(Base):
    """A file the reporter attached (kept in the store: one transaction with its report)."""

    __tablename__ = "participation_evidence"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(String(32), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64))
    """The type read from the file's own bytes, not the one the browser claimed."""
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class DecisionRow(Base):
    """One entry of a report's history: a moderator's decision, or the reporter adding information."""

    __tablename__ = "participation_decision"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(16))
    """``submitted``, ``accept``, ``merge``, ``ask``, ``reject`` or ``reply`` (:class:`Action`)."""
    actor: Mapped[str] = mapped_column(String(128))
    """The moderator's account name, or ``reporter``."""
    text: Mapped[str] = mapped_column(Text)
    """The reason, question or added information: what the reporter is shown."""
    incident_ids_json: Mapped[str] = mapped_column(Text)
    at_us: Mapped[int] = mapped_column(BigInteger)


class ReportIncidentRow(Base):
    """A report is part of an incident (one report → several incidents, several reports → one)."""

    __tablename__ = "participation_report_incident"

    report_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(128), primary_key=True)

    __table_args__ = (Index("ix_participation_report_incident_incident", "incident_id"),)


class NoticeRow(Base):
    """An in-portal notice to the provider of a registered system: an incident about it was accepted."""

    __tablename__ = "participation_notice"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(String(64), index=True)
    incident_id: Mapped[str] = mapped_column(String(128))
    report_id: Mapped[str] = mapped_column(String(32))
    created_us: Mapped[int] = mapped_column(BigInteger)
    read_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


REPORTS = _table(ReportRow)
EVIDENCE = _table(EvidenceRow)
DECISIONS = _table(DecisionRow)
REPORT_INCIDENTS = _table(ReportIncidentRow)
NOTICES = _table(NoticeRow)
