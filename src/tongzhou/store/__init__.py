"""The store: SQLAlchemy 2 models, engine and Alembic migrations.

SQLite under ``TONGZHOU_HOME`` by default; PostgreSQL (or any SQLAlchemy URL)
when ``TONGZHOU_DATABASE_URL`` is set. Every module declares its tables on
:class:`Base` and ships its own Alembic branch (see ``docs/store.md``).
"""

from tongzhou.store._base import Base
from tongzhou.store._engine import DATABASE_URL_ENV, Store, database_url, open_store

__all__ = ["Base", "DATABASE_URL_ENV", "Store", "database_url", "open_store"]
