"""threats: widen ``stix_type`` and ``stix_id`` to what STIX 2.1 allows; API key expiry.

STIX 2.1 §2.9 allows a type name of up to 250 characters, so an identifier can be
``250 + len("--") + 36 = 288`` characters. The first schema had 64 and 128: SQLite ignores
``VARCHAR`` lengths, PostgreSQL refused the longer values and the whole envelope failed (issue 20).
``expires_us`` lets an API key lapse (NULL: never).

Revision ID: threats_0003
Revises: threats_0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "threats_0003"
down_revision = "threats_0002"
branch_labels = None
depends_on = None


def _enforces_lengths() -> bool:
    # SQLite ignores VARCHAR lengths; altering them there would copy the whole object table.
    return bool(op.get_bind().dialect.name != "sqlite")


def upgrade() -> None:
    if _enforces_lengths():
        op.alter_column("threats_object", "stix_type", type_=sa.String(250), existing_nullable=False)
        op.alter_column("threats_object", "stix_id", type_=sa.String(288), existing_nullable=False)
    op.add_column("threats_api_key", sa.Column("expires_us", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("threats_api_key") as batch:
        batch.drop_column("expires_us")
    if _enforces_lengths():
        op.alter_column("threats_object", "stix_id", type_=sa.String(128), existing_nullable=False)
        op.alter_column("threats_object", "stix_type", type_=sa.String(64), existing_nullable=False)
