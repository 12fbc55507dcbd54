"""portal: single sign-on (OpenID Connect) logins in flight and identity links.

Revision ID: portal_0003
Revises: portal_0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "portal_0003"
down_revision = "portal_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_oidc_login",
        sa.Column("state_sha256", sa.String(64), nullable=False),
        sa.Column("browser_sha256", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("return_to", sa.String(512), nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("state_sha256", name="pk_portal_oidc_login"),
    )
    op.create_table(
        "portal_oidc_link",
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("provider", "subject", name="pk_portal_oidc_link"),
    )
    op.create_index("ix_portal_oidc_link_account", "portal_oidc_link", ["account"])


def downgrade() -> None:
    op.drop_index("ix_portal_oidc_link_account", table_name="portal_oidc_link")
    op.drop_table("portal_oidc_link")
    op.drop_table("portal_oidc_login")
