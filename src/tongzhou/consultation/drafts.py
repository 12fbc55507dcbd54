"""What a consultation is, as read from the store: the draft, its versions and paragraphs, its comments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tongzhou.consultation.paragraphs import Paragraph


class DraftKind(StrEnum):
    """What is consulted on."""

    text = "text"
    """Markdown text: each top-level block is a paragraph with a stable id."""
    rules = "rules"
    """A new version of a classification rule file: each rule is a paragraph (its rule id)."""


class Phase(StrEnum):
    """Where a consultation stands at a moment."""

    upcoming = "upcoming"
    """Published, not yet open for comments."""
    open = "open"
    """Open for comments."""
    closed = "closed"
    """Closed: no new comments or versions; the regulator exports and responds."""


class CommentStatus(StrEnum):
    """A comment's moderation state; only approved comments are public."""

    pending = "pending"
    """Waiting for a moderator."""
    approved = "approved"
    """Public."""
    rejected = "rejected"
    """Not public; the moderator's reason is kept and exported."""


@dataclass(frozen=True, slots=True)
class Draft:
    """A consultation and the version now shown."""

    id: str
    title: str
    kind: DraftKind
    rule_file: str | None
    opens_at: dt.datetime
    closes_at: dt.datetime
    """The first moment comments are refused."""
    entry_into_force: dt.date | None
    created_by: str
    created_at: dt.datetime
    current_version: int

    def phase(self, now: dt.datetime) -> Phase:
        """The phase at ``now``."""
        if now < self.opens_at:
            return Phase.upcoming
        return Phase.open if now < self.closes_at else Phase.closed

    def to_dict(self, now: dt.datetime) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind.value,
            "rule_file": self.rule_file,
            "opens_at": self.opens_at.isoformat(),
            "closes_at": self.closes_at.isoformat(),
            "entry_into_force": None if self.entry_into_force is None else self.entry_into_force.isoformat(),
            "phase": self.phase(now).value,
            "current_version": self.current_version,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class DraftVersion:
    """One published version with its paragraphs."""

    draft_id: str
    version: int
    body: str
    sha256: str
    note: str
    published_by: str
    published_at: dt.datetime
    paragraphs: list[Paragraph] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "version": self.version,
            "sha256": self.sha256,
            "note": self.note,
            "published_by": self.published_by,
            "published_at": self.published_at.isoformat(),
            "body": self.body,
            "paragraphs": [{"id": p.id, "source": p.source} for p in self.paragraphs],
        }


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment on one paragraph of one version."""

    id: int
    draft_id: str
    version: int
    paragraph_id: str
    author: str | None
    """The account name, or None when anonymous."""
    display_name: str
    body: str
    created_at: dt.datetime
    status: CommentStatus
    moderated_by: str | None
    moderated_at: dt.datetime | None
    moderation_reason: str
    response: str | None
    responded_by: str | None
    responded_at: dt.datetime | None

    @property
    def shown_name(self) -> str:
        """Who the public sees as the author: the account, the chosen name, or "anonymous"."""
        return self.author or self.display_name or "anonymous"

    def to_dict(self, *, private: bool) -> dict[str, Any]:
        """JSON-ready; ``private`` adds the moderation fields the public does not see."""
        public: dict[str, Any] = {
            "id": self.id,
            "draft_id": self.draft_id,
            "version": self.version,
            "paragraph_id": self.paragraph_id,
            "author": self.shown_name,
            "registered": self.author is not None,
            "body": self.body,
            "created_at": self.created_at.isoformat(),
            "response": self.response,
            "responded_at": None if self.responded_at is None else self.responded_at.isoformat(),
        }
        if private:
            public |= {
                "status": self.status.value,
                "moderated_by": self.moderated_by,
                "moderated_at": None if self.moderated_at is None else self.moderated_at.isoformat(),
                "moderation_reason": self.moderation_reason,
                "responded_by": self.responded_by,
            }
        return public
