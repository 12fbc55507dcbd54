"""Base revision: every module's branch starts here.

Revision ID: 0001_base
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0001_base"
down_revision = None
branch_labels = ("base",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
