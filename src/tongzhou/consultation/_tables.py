"""The consultation tables: drafts, their versions, the paragraphs of each version, and comments.

A draft keeps every version it was published in; a paragraph id names the same paragraph in every
version (``paragraphs.carry_ids``), so a comment made on version 1 still points at its paragraph
in version 3. Comments are never deleted: a moderator approves or rejects them with a reason.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongzhou.store import Base

# SQLite only aliases INTEGER PRIMARY KEY to the rowid (auto-increment); PostgreSQL wants BIGINT.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class DraftRow(Base):
    """A consultation: what is consulted on, when it is open, and the version now shown."""

    __tablename__ = "consultation_draft"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8))
    """``text`` (Markdown) or ``rules`` (a classification rule file)."""
    rule_file: Mapped[str | None] = mapped_column(String(128), nullable=True)
    """For ``rules``: the rule file the draft replaces or adds (e.g. ``eu-ai-act.yaml``)."""
    opens_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    entry_into_force: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    current_version: Mapped[int] = mapped_column(Integer)
    next_paragraph: Mapped[int] = mapped_column(Integer)
    """The number the next new Markdown paragraph id gets (``p<n>``); ids are never reused."""


class VersionRow(Base):
    """One published version of a draft, as published."""

    __tablename__ = "consultation_version"

    draft_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(71))
    note: Mapped[str] = mapped_column(Text)
    """What changed, in the publisher's words (may be empty)."""
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ParagraphRow(Base):
    """One commentable unit of one version: a Markdown block, or a rule of a rule file."""

    __tablename__ = "consultation_paragraph"

    draft_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    paragraph_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)


class CommentRow(Base):
    """A comment on one paragraph; public once approved, with the regulator's response after close."""

    __tablename__ = "consultation_comment"
    __table_args__ = (
        Index("ix_consultation_comment_draft", "draft_id", "status"),
        Index("ix_consultation_comment_client", "client_digest", "created_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    draft_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    paragraph_id: Mapped[str] = mapped_column(String(128))
    author: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The account that commented; None for an anonymous comment."""
    display_name: Mapped[str] = mapped_column(String(100))
    """The name an anonymous commenter chose to show (may be empty)."""
    body: Mapped[str] = mapped_column(Text)
    client_digest: Mapped[str] = mapped_column(String(64))
    """A keyed digest of the sender's address, for the rate limit (the address itself is not kept)."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    """``pending``, ``approved`` or ``rejected``."""
    moderated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    moderated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    moderation_reason: Mapped[str] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    responded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
