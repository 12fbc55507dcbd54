"""gateway: the halt ledger shared by the workers and hosts of a gateway fleet.

Revision ID: gateway_0001
Revises: 0001_base
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gateway_0001"
down_revision = "0001_base"
branch_labels = ("gateway",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gateway_halt_ledger",
        sa.Column("seq", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("entry_key", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(256), nullable=False),
        sa.Column("nonce", sa.String(256), nullable=False),
        sa.Column("envelope", sa.Text, nullable=False),
        sa.Column("source", sa.String(1024), nullable=False),
        sa.Column("accepted_by", sa.String(255), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_gateway_halt_ledger"),
        sa.UniqueConstraint("entry_key", name="uq_gateway_halt_ledger_entry_key"),
    )
    op.create_index("ix_gateway_halt_ledger_order_id", "gateway_halt_ledger", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_gateway_halt_ledger_order_id", table_name="gateway_halt_ledger")
    op.drop_table("gateway_halt_ledger")
