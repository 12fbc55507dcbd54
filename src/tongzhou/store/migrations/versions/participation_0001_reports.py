"""participation: public incident reports, evidence, moderation decisions, report↔incident links, notices.

Revision ID: participation_0001
Revises: 0001_base
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "participation_0001"
down_revision = "0001_base"
branch_labels = ("participation",)
# report → system and report → incident name rows of other branches without foreign keys: branches
# migrate in no fixed order.
depends_on = None

RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "participation_report",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("system_id", sa.String(64), nullable=True),
        sa.Column("system_text", sa.String(255), nullable=False),
        sa.Column("what_happened", sa.Text, nullable=False),
        sa.Column("occurred_on", sa.String(10), nullable=False),
        sa.Column("harm_types_json", sa.Text, nullable=False),
        sa.Column("links_json", sa.Text, nullable=False),
        sa.Column("contact", sa.String(255), nullable=True),
        sa.Column("submitted_us", sa.BigInteger, nullable=False),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_participation_report"),
        sa.UniqueConstraint("token_sha256", name="uq_participation_report_token_sha256"),
    )
    op.create_index("ix_participation_report_state", "participation_report", ["state"])
    op.create_index("ix_participation_report_system_id", "participation_report", ["system_id"])
    op.create_index(
        "ix_participation_report_state_submitted", "participation_report", ["state", "submitted_us"]
    )
    op.create_table(
        "participation_evidence",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_participation_evidence_report_id", "participation_evidence", ["report_id"])
    op.create_table(
        "participation_decision",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("incident_ids_json", sa.Text, nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_participation_decision_report_id", "participation_decision", ["report_id"])
    op.create_table(
        "participation_report_incident",
        sa.Column("report_id", sa.String(32), nullable=False),
        sa.Column("incident_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("report_id", "incident_id", name="pk_participation_report_incident"),
    )
    op.create_index(
        "ix_participation_report_incident_incident", "participation_report_incident", ["incident_id"]
    )
    op.create_table(
        "participation_notice",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("incident_id", sa.String(128), nullable=False),
        sa.Column("report_id", sa.String(32), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("read_us", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_participation_notice_system_id", "participation_notice", ["system_id"])


def downgrade() -> None:
    for table in (
        "participation_notice",
        "participation_report_incident",
        "participation_decision",
        "participation_evidence",
        "participation_report",
    ):
        op.drop_table(table)
