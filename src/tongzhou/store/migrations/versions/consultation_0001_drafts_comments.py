"""consultation: drafts, their versions and paragraphs, and comments.

Revision ID: consultation_0001
Revises: 0001_base
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "consultation_0001"
down_revision = "0001_base"
branch_labels = ("consultation",)
depends_on = None

_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consultation_draft",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("rule_file", sa.String(128), nullable=True),
        sa.Column("opens_at", _TZ, nullable=False),
        sa.Column("closes_at", _TZ, nullable=False),
        sa.Column("entry_into_force", sa.Date, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("next_paragraph", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consultation_draft"),
    )
    op.create_table(
        "consultation_version",
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(71), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.Column("published_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("draft_id", "version", name="pk_consultation_version"),
    )
    op.create_table(
        "consultation_paragraph",
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("paragraph_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("draft_id", "version", "paragraph_id", name="pk_consultation_paragraph"),
    )
    op.create_table(
        "consultation_comment",
        sa.Column("id", _ROW_ID, autoincrement=True, nullable=False),
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("paragraph_id", sa.String(128), nullable=False),
        sa.Column("author", sa.String(64), nullable=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("client_digest", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("moderated_by", sa.String(64), nullable=True),
        sa.Column("moderated_at", _TZ, nullable=True),
        sa.Column("moderation_reason", sa.Text, nullable=False),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("responded_by", sa.String(64), nullable=True),
        sa.Column("responded_at", _TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_consultation_comment"),
    )
    op.create_index("ix_consultation_comment_draft", "consultation_comment", ["draft_id", "status"])
    op.create_index("ix_consultation_comment_client", "consultation_comment", ["client_digest", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_consultation_comment_client", "consultation_comment")
    op.drop_index("ix_consultation_comment_draft", "consultation_comment")
    op.drop_table("consultation_comment")
    op.drop_table("consultation_paragraph")
    op.drop_table("consultation_version")
    op.drop_table("consultation_draft")
