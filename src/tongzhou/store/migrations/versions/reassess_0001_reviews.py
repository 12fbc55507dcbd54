"""reassess: review plans, linked attestations, assessment entries, the tick lease, notifications,
"needs review" flags.

Revision ID: reassess_0001
Revises: 0001_base
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "reassess_0001"
down_revision = "0001_base"
branch_labels = ("reassess",)
# system_id names a systems_profile row without a foreign key: branches migrate in no fixed order.
depends_on = None

_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reassess_plan",
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("interval_days", sa.Integer, nullable=False),
        sa.Column("grace_days", sa.Integer, nullable=False),
        sa.Column("interval_rule", sa.String(128), nullable=False),
        sa.Column("interval_basis", sa.Text, nullable=False),
        sa.Column("checks_json", sa.Text, nullable=False),
        sa.Column("next_due", sa.Date, nullable=False),
        sa.Column("jurisdictions", sa.String(255), nullable=False),
        sa.Column("rules_dir", sa.Text, nullable=True),
        sa.Column("endpoint", sa.Text, nullable=True),
        sa.Column("suite", sa.String(255), nullable=False),
        sa.Column("eval_profile", sa.String(64), nullable=False),
        sa.Column("eval_limit", sa.Integer, nullable=False),
        sa.Column("api_key_env", sa.String(128), nullable=True),
        sa.Column("trust_policy", sa.Text, nullable=True),
        sa.Column("contacts_json", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("system_id", name="pk_reassess_plan"),
    )
    op.create_index("ix_reassess_plan_next_due", "reassess_plan", ["next_due"])
    op.create_table(
        "reassess_attestation",
        sa.Column("id", _ROW_ID, autoincrement=True, nullable=False),
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("linked_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reassess_attestation"),
        sa.UniqueConstraint("system_id", "path", name="uq_reassess_attestation_path"),
    )
    op.create_index("ix_reassess_attestation_system_id", "reassess_attestation", ["system_id"])
    op.create_table(
        "reassess_assessment",
        sa.Column("id", _ROW_ID, autoincrement=True, nullable=False),
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("cycle_due", sa.Date, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("alerts", sa.Integer, nullable=False),
        sa.Column("ruleset_version", sa.Text, nullable=False),
        sa.Column("profile_sha256", sa.String(71), nullable=False),
        sa.Column("classification_json", sa.Text, nullable=False),
        sa.Column("findings_json", sa.Text, nullable=False),
        sa.Column("evidence_json", sa.Text, nullable=False),
        sa.Column("eval_run_id", sa.String(64), nullable=True),
        sa.Column("refusal_rate", sa.Float, nullable=True),
        sa.Column("refusal_low", sa.Float, nullable=True),
        sa.Column("refusal_high", sa.Float, nullable=True),
        sa.Column("refusal_n", sa.Integer, nullable=True),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Column("signed_off_on", sa.Date, nullable=True),
        sa.Column("signed_off_by", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reassess_assessment"),
        sa.UniqueConstraint("system_id", "cycle_due", name="uq_reassess_assessment_cycle"),
    )
    op.create_index("ix_reassess_assessment_system_id", "reassess_assessment", ["system_id"])
    op.create_index("ix_reassess_assessment_as_of", "reassess_assessment", ["as_of"])
    op.create_table(
        "reassess_lease",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("acquired_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_reassess_lease"),
    )
    op.create_table(
        "reassess_notification",
        sa.Column("id", _ROW_ID, autoincrement=True, nullable=False),
        sa.Column("dedupe_key", sa.String(512), nullable=False),
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("assessment_id", _ROW_ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("payload_json", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reassess_notification"),
        sa.UniqueConstraint("dedupe_key", name="uq_reassess_notification_key"),
    )
    op.create_index("ix_reassess_notification_system_id", "reassess_notification", ["system_id"])
    op.create_table(
        "reassess_item_flag",
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("obligation_id", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("assessment_id", _ROW_ID, nullable=False),
        sa.Column("raised_on", sa.Date, nullable=False),
        sa.Column("cleared_on", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("system_id", "jurisdiction", "obligation_id", name="pk_reassess_item_flag"),
    )


def downgrade() -> None:
    for table in (
        "reassess_item_flag",
        "reassess_notification",
        "reassess_lease",
        "reassess_assessment",
        "reassess_attestation",
        "reassess_plan",
    ):
        op.drop_table(table)
