"""threats: TAXII collections, object versions, status, principals, API keys, grants, incidents.

Revision ID: threats_0001
Revises: 0001_base
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "threats_0001"
down_revision = "0001_base"
branch_labels = ("threats",)
depends_on = None

RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "threats_collection",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("api_root", sa.String(64), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("alias", sa.String(64), nullable=True),
        sa.Column("public_read", sa.Boolean, nullable=False),
        sa.Column("last_added_us", sa.BigInteger, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_threats_collection_api_root", "threats_collection", ["api_root"])
    op.create_table(
        "threats_object",
        sa.Column("pk", RowId, primary_key=True, autoincrement=True),
        sa.Column("collection_id", sa.String(64), nullable=False),
        sa.Column("stix_id", sa.String(128), nullable=False),
        sa.Column("stix_type", sa.String(64), nullable=False),
        sa.Column("spec_version", sa.String(8), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("version_us", sa.BigInteger, nullable=False),
        sa.Column("date_added_us", sa.BigInteger, nullable=False),
        sa.Column("is_last", sa.Boolean, nullable=False),
        sa.Column("is_first", sa.Boolean, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("collection_id", "stix_id", "version_us", name="uq_threats_object_version"),
    )
    op.create_index("ix_threats_object_page", "threats_object", ["collection_id", "date_added_us", "pk"])
    op.create_index("ix_threats_object_stix_id", "threats_object", ["collection_id", "stix_id"])
    op.create_table(
        "threats_status",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("api_root", sa.String(64), nullable=False),
        sa.Column("collection_id", sa.String(64), nullable=False),
        sa.Column("principal", sa.String(128), nullable=True),
        sa.Column("request_us", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "threats_principal",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("is_admin", sa.Boolean, nullable=False),
    )
    op.create_table(
        "threats_api_key",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("principal", sa.String(128), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("label", sa.String(255), nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_threats_api_key_principal", "threats_api_key", ["principal"])
    op.create_table(
        "threats_grant",
        sa.Column("principal", sa.String(128), primary_key=True),
        sa.Column("collection_id", sa.String(64), primary_key=True),
        sa.Column("can_read", sa.Boolean, nullable=False),
        sa.Column("can_write", sa.Boolean, nullable=False),
    )
    op.create_table(
        "threats_setting",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "threats_incident",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("classification", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(40), nullable=False),
        sa.Column("occurred_us", sa.BigInteger, nullable=True),
        sa.Column("aware_us", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "threats_incident",
        "threats_setting",
        "threats_grant",
        "threats_api_key",
        "threats_principal",
        "threats_status",
        "threats_object",
        "threats_collection",
    ):
        op.drop_table(table)
