"""portal: organisations, accounts, sessions, login attempts, settings, listing index, evaluations.

Revision ID: portal_0001
Revises: 0001_base
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "portal_0001"
down_revision = "0001_base"
branch_labels = ("portal",)
depends_on = None

RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "portal_organisation",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_portal_organisation"),
    )
    op.create_table(
        "portal_account",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=True),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_enabled", sa.Boolean, nullable=False),
        sa.Column("totp_last_step", sa.BigInteger, nullable=True),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until_us", sa.BigInteger, nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_portal_account"),
    )
    op.create_table(
        "portal_session",
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("second_factor_done", sa.Boolean, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("token_sha256", name="pk_portal_session"),
    )
    op.create_index("ix_portal_session_account", "portal_session", ["account"])
    op.create_table(
        "portal_login_attempt",
        sa.Column("pk", RowId, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_portal_login_attempt_source_at", "portal_login_attempt", ["source", "at_us"])
    op.create_table(
        "portal_setting",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_portal_setting"),
    )
    op.create_table(
        "portal_listing",
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("provider", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=True),
        sa.Column("profile_sha256", sa.String(71), nullable=False),
        sa.Column("indexed_on", sa.String(10), nullable=False),
        sa.Column("summary_json", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("system_id", name="pk_portal_listing"),
    )
    op.create_index("ix_portal_listing_restricted_id", "portal_listing", ["restricted", "system_id"])
    op.create_table(
        "portal_facet",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("kind", "value", "system_id", name="pk_portal_facet"),
    )
    op.create_index("ix_portal_facet_system_id", "portal_facet", ["system_id"])
    op.create_table(
        "portal_evaluation",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("evaluator", sa.String(255), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(128), nullable=False),
        sa.Column("uploaded_by", sa.String(128), nullable=False),
        sa.Column("uploaded_us", sa.BigInteger, nullable=False),
        sa.Column("envelope_json", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_portal_evaluation"),
    )
    op.create_index("ix_portal_evaluation_system_id", "portal_evaluation", ["system_id"])
    op.create_table(
        "portal_incident_link",
        sa.Column("incident_id", sa.String(128), nullable=False),
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name="pk_portal_incident_link"),
    )
    op.create_index("ix_portal_incident_link_system_id", "portal_incident_link", ["system_id"])


def downgrade() -> None:
    for table in (
        "portal_incident_link",
        "portal_evaluation",
        "portal_facet",
        "portal_listing",
        "portal_setting",
        "portal_login_attempt",
        "portal_session",
        "portal_account",
        "portal_organisation",
    ):
        op.drop_table(table)
