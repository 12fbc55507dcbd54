"""portal: spent proof-of-work answers and per-address post counts (anonymous forms' spam defence).

Revision ID: portal_0002
Revises: portal_0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "portal_0002"
down_revision = "portal_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_pow_spent",
        sa.Column("challenge_sha256", sa.String(64), nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("challenge_sha256", name="pk_portal_pow_spent"),
    )
    op.create_index("ix_portal_pow_spent_expires_us", "portal_pow_spent", ["expires_us"])
    op.create_table(
        "portal_rate_count",
        sa.Column("bucket", sa.String(32), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("bucket", "source", "window_start", name="pk_portal_rate_count"),
    )


def downgrade() -> None:
    op.drop_table("portal_rate_count")
    op.drop_index("ix_portal_pow_spent_expires_us", table_name="portal_pow_spent")
    op.drop_table("portal_pow_spent")
