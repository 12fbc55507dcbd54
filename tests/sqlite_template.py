"""Migrate once, copy per test: a new SQLite store opened in a test starts as a copy of one database
that the real Alembic migrations made earlier in the same session.

Every test that opens a new SQLite store (the ``store`` and ``sqlite_store`` fixtures, a command run
in-process on a fresh TONGZHOU_HOME) used to run every migration script through Alembic: about
0.08 s of CPU and a dozen fsynced commits per store, a thousand times per ``make test``. The copy is
made with SQLite's online backup API (https://www.sqlite.org/backup.html), page by page, into the
very connection the store opened, so the store holds exactly what Alembic wrote: the same tables,
indexes, constraints and ``alembic_version`` rows. Databases that already hold anything, PostgreSQL
and in-memory databases go to the real :func:`tongzhou.store._engine.migrate` as before, and so do
the tests that test the migrations (``tests/store``, or any test marked ``real_migrations``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from tongzhou.store._engine import create_store_engine


def copy_database(source: Path, engine: Engine) -> None:
    """Replace the (empty) database behind ``engine`` by the database file ``source``, page by page."""
    reader = sqlite3.connect(source)
    try:
        with engine.connect() as connection:
            target = connection.connection.driver_connection
            assert isinstance(target, sqlite3.Connection)
            reader.backup(target)
    finally:
        reader.close()


def is_new_sqlite_file(engine: Engine) -> bool:
    """Whether ``engine`` is a SQLite database file with nothing in it yet (no table, no index)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return False
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one() == 0


class MigratedTemplate:
    """One SQLite database migrated to every head by ``real_migrate``, made on first use."""

    def __init__(self, folder: Path, real_migrate: Callable[[Engine], None]) -> None:
        self.path = folder / "migrated.db"
        self._real_migrate = real_migrate
        self._lock = threading.Lock()

    def _made(self) -> Path:
        with self._lock:
            if not self.path.exists():
                engine = create_store_engine(f"sqlite:///{self.path}")
                try:
                    self._real_migrate(engine)
                finally:
                    engine.dispose()
        return self.path

    def migrate(self, engine: Engine) -> None:
        """Stands in for ``migrate``: a new SQLite file gets the template's pages, anything else Alembic."""
        if is_new_sqlite_file(engine):
            copy_database(self._made(), engine)
        else:
            self._real_migrate(engine)
