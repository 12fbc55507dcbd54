"""workspace: compliance plans, their jurisdictions, tracked items and attached evidence.

Revision ID: workspace_0001
Revises: 0001_base
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "workspace_0001"
down_revision = "0001_base"
branch_labels = ("workspace",)
# system_id names a systems_profile row without a foreign key: branches migrate in no fixed order.
depends_on = None

_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "workspace_plan",
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("jurisdictions", sa.String(255), nullable=False),
        sa.Column("rules_dir", sa.Text, nullable=True),
        sa.Column("ruleset_version", sa.Text, nullable=False),
        sa.Column("profile_sha256", sa.String(71), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("system_id", name="pk_workspace_plan"),
    )
    op.create_table(
        "workspace_jurisdiction",
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("binding", sa.Boolean, nullable=False),
        sa.Column("in_scope", sa.Boolean, nullable=True),
        sa.Column("headline_tier", sa.String(64), nullable=True),
        sa.Column("tier_label", sa.String(255), nullable=True),
        sa.Column("tier_rank", sa.Integer, nullable=True),
        sa.Column("headline_status", sa.String(16), nullable=False),
        sa.Column("headline_text", sa.Text, nullable=False),
        sa.Column("undetermined_json", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("system_id", "jurisdiction", name="pk_workspace_jurisdiction"),
    )
    op.create_table(
        "workspace_item",
        sa.Column("id", _ROW_ID, autoincrement=True, nullable=False),
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("regime", sa.String(64), nullable=False),
        sa.Column("obligation_id", sa.String(128), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_zh", sa.Text, nullable=False),
        sa.Column("legal_basis", sa.String(255), nullable=False),
        sa.Column("addressee", sa.String(16), nullable=False),
        sa.Column("binding", sa.Boolean, nullable=False),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("applies_until", sa.Date, nullable=True),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspace_item"),
        sa.UniqueConstraint(
            "system_id", "jurisdiction", "obligation_id", name="uq_workspace_item_obligation"
        ),
    )
    op.create_index("ix_workspace_item_system_id", "workspace_item", ["system_id"])
    op.create_index("ix_workspace_item_due_date", "workspace_item", ["due_date"])
    op.create_table(
        "workspace_evidence",
        sa.Column("id", _ROW_ID, autoincrement=True, nullable=False),
        sa.Column("item_id", _ROW_ID, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("artefact", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(71), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("details_json", sa.Text, nullable=False),
        sa.Column("attached_by", sa.String(255), nullable=True),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspace_evidence"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["workspace_item.id"],
            name="fk_workspace_evidence_item_id_workspace_item",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_workspace_evidence_item_id", "workspace_evidence", ["item_id"])


def downgrade() -> None:
    op.drop_table("workspace_evidence")
    op.drop_table("workspace_item")
    op.drop_table("workspace_jurisdiction")
    op.drop_table("workspace_plan")
