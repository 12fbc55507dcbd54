"""evaluate: runs, samples and the response cache.

Revision ID: evaluate_0001
Revises: 0001_base
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "evaluate_0001"
down_revision = "0001_base"
branch_labels = ("evaluate",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("banks", sa.JSON(), nullable=False),
        sa.Column("scorers", sa.JSON(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("energy", sa.JSON(), nullable=True),
        sa.Column("software_version", sa.String(32), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eval_runs")),
    )
    op.create_table(
        "eval_samples",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("bank_id", sa.String(128), nullable=False),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_sha256", sa.String(80), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("risk_code", sa.String(32), nullable=False),
        sa.Column("expected", sa.String(16), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("label", sa.String(32), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("scorer", sa.String(64), nullable=False),
        sa.Column("cache_key", sa.String(80), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["eval_runs.id"], name=op.f("fk_eval_samples_run_id_eval_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "bank_id", "item_id", name=op.f("pk_eval_samples")),
    )
    op.create_table(
        "eval_response_cache",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("model_identity", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_eval_response_cache")),
    )


def downgrade() -> None:
    op.drop_table("eval_response_cache")
    op.drop_table("eval_samples")
    op.drop_table("eval_runs")
