"""Migrate once, empty per test: the PostgreSQL ``store`` fixture takes a schema that the real Alembic
migrations made earlier in the session, emptied, instead of creating and migrating a new one.

Creating a schema and running every migration script cost ~0.9 s (wall) per PostgreSQL test, and
dropping it ~0.3 s, for 230-odd tests. A schema given back after a test is kept only if its catalog
(tables, columns, indexes, constraints, sequences, functions, types) and its ``alembic_version``
rows are exactly those of a freshly migrated schema; then every table but ``alembic_version`` is
emptied and every sequence restarted, which is the state Alembic leaves (its migrations insert no
rows). Anything else, or a table that cannot be emptied within a few seconds, and the schema is
dropped as before. The tests of the migrations (``tests/store`` or marked ``real_migrations``) get
a new schema migrated by Alembic every time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

_CATALOG = text(
    """
    SELECT 'relation ' || c.relname || ' ' || c.relkind::text FROM pg_class c WHERE c.relnamespace = :ns
    UNION ALL
    SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || ' ' || a.attnotnull::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.relnamespace = :ns AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
     WHERE connamespace = :ns
    UNION ALL
    SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = :schema
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = :ns
    UNION ALL
    SELECT 'type ' || t.typname || ' ' || t.typtype::text FROM pg_type t WHERE t.typnamespace = :ns
    """
)


def catalog(connection: object, schema: str) -> list[str]:
    """What ``schema`` is made of, with its own name written as ``<schema>`` (comparable across schemas)."""
    namespace = connection.execute(  # type: ignore[attr-defined]
        text("SELECT oid FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}
    ).scalar_one()
    rows = connection.execute(_CATALOG, {"ns": namespace, "schema": schema}).scalars()  # type: ignore[attr-defined]
    return sorted(row.replace(f'"{schema}".', "<schema>.").replace(f"{schema}.", "<schema>.") for row in rows)


def _versions(connection: object, schema: str) -> list[str]:
    rows = connection.execute(text(f'SELECT version_num FROM "{schema}".alembic_version'))  # type: ignore[attr-defined]
    return sorted(row[0] for row in rows)


def _tables(connection: object, schema: str) -> list[str]:
    """Every table of ``schema`` but alembic_version."""
    found = connection.execute(  # type: ignore[attr-defined]
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename != 'alembic_version'"),
        {"s": schema},
    )
    return [row[0] for row in found]


def _has_rows(connection: object, schema: str, table: str) -> bool:
    found = connection.execute(text(f'SELECT 1 FROM "{schema}"."{table}" LIMIT 1'))  # type: ignore[attr-defined]
    return found.first() is not None


class MigratedSchemas:
    """A pool of PostgreSQL schemas at head, each used by one test at a time."""

    def __init__(self, url: str, migrate: Callable[[str, str], None]) -> None:
        """``migrate(url, schema)`` runs the real migrations into an existing, empty schema."""
        self._admin: Engine = create_engine(url, isolation_level="AUTOCOMMIT")
        self._url = url
        self._migrate = migrate
        self._free: list[str] = []
        self._all: set[str] = set()
        self._fresh: tuple[list[str], list[str]] | None = None
        """The catalog and alembic_version rows of a schema just migrated."""
        self._poolable = True
        """Whether the migrations leave every table but alembic_version empty (emptying restores them)."""

    def new(self) -> str:
        """A new schema, migrated by Alembic (not from the pool)."""
        schema = "t_" + uuid.uuid4().hex[:12]
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        self._all.add(schema)
        self._migrate(self._url, schema)
        if self._fresh is None:
            with self._admin.connect() as conn:
                self._fresh = (catalog(conn, schema), _versions(conn, schema))
                self._poolable = not any(_has_rows(conn, schema, table) for table in _tables(conn, schema))
        return schema

    def take(self) -> str:
        """An emptied schema from the pool, or a new one."""
        return self._free.pop() if self._free else self.new()

    def give_back(self, schema: str) -> None:
        """Empty ``schema`` for the next test if it is still as migrated, otherwise drop it."""
        try:
            if self._poolable and self._emptied(schema):
                self._free.append(schema)
                return
        except DBAPIError:
            pass
        self.drop(schema)

    def _emptied(self, schema: str) -> bool:
        with self._admin.connect() as conn, conn.begin():
            if (catalog(conn, schema), _versions(conn, schema)) != self._fresh:
                return False
            conn.execute(text("SET LOCAL lock_timeout = '5s'"))
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # no FK order to follow
            for table in _tables(conn, schema):
                conn.execute(text(f'DELETE FROM "{schema}"."{table}"'))
            sequences = conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"), {"s": schema}
            ).scalars()
            for sequence in list(sequences):
                conn.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))
        return True

    def drop(self, schema: str) -> None:
        """Drop ``schema`` and everything in it."""
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        self._all.discard(schema)
        if schema in self._free:
            self._free.remove(schema)

    def close(self) -> None:
        """Drop every schema of the pool."""
        for schema in list(self._all):
            self.drop(schema)
        self._admin.dispose()
