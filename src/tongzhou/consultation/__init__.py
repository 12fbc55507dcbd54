"""Consultation on draft rules (征求意见): a regulator publishes a draft (Markdown with stable
paragraph ids, or a new version of a classification rule file) with open and close dates; anyone
comments on a paragraph; a moderator approves or rejects; at close the regulator exports every
comment and responds to each. For a rule-file draft, the registry is re-classified under the
draft as of its entry-into-force date to show whose tier would change (docs/participation.md).
"""

from tongzhou.consultation.book import (
    COMMENTS_PER_HOUR,
    MAX_COMMENT_CHARS,
    MAX_DRAFT_BYTES,
    ConsultationBook,
    utc_now,
)
from tongzhou.consultation.drafts import Comment, CommentStatus, Draft, DraftKind, DraftVersion, Phase
from tongzhou.consultation.errors import MESSAGES, ConsultationError
from tongzhou.consultation.export import export_csv, export_document, export_json
from tongzhou.consultation.markdown_html import markdown_to_html
from tongzhou.consultation.paragraphs import Paragraph, carry_ids, split_markdown

__all__ = [
    "COMMENTS_PER_HOUR",
    "MAX_COMMENT_CHARS",
    "MAX_DRAFT_BYTES",
    "MESSAGES",
    "Comment",
    "CommentStatus",
    "ConsultationBook",
    "ConsultationError",
    "Draft",
    "DraftKind",
    "DraftVersion",
    "Paragraph",
    "Phase",
    "carry_ids",
    "export_csv",
    "export_document",
    "export_json",
    "markdown_to_html",
    "split_markdown",
    "utc_now",
]
