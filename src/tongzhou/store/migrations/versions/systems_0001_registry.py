"""systems: the AI-system registry.

Revision ID: systems_0001
Revises: 0001_base
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "systems_0001"
down_revision = "0001_base"
branch_labels = ("systems",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "systems_profile",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("registrant_role", sa.String(32), nullable=False),
        sa.Column("profile_json", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(71), nullable=False),
        sa.Column("source", sa.String(1024), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_systems_profile"),
    )


def downgrade() -> None:
    op.drop_table("systems_profile")
