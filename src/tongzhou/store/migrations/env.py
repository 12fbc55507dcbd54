"""Alembic environment: runs on the engine handed over by tongzhou.store.migrate."""

from __future__ import annotations

from alembic import context

import tongzhou.store.models  # noqa: F401  (registers every module's tables)
from tongzhou.store import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
