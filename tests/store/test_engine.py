"""The store opens, migrates to every branch head, and runs transactions on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tongzhou.store import Store, database_url, open_store
from tongzhou.store._engine import alembic_config, at_head, normalise_url, script_heads


def test_default_url_is_sqlite_in_home(tongzhou_home: Path) -> None:
    assert database_url() == f"sqlite:///{tongzhou_home / 'tongzhou.db'}"


def test_env_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGZHOU_DATABASE_URL", "postgresql://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"


def test_normalise_keeps_other_drivers() -> None:
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"


def test_migrated_to_every_head(store: Store) -> None:
    heads = set(ScriptDirectory.from_config(alembic_config(store.engine)).get_heads())
    with store.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    assert current == heads
    assert heads  # at least the base branch


def test_reopen_is_idempotent(tmp_path: Path) -> None:
    """Opening a store again is a no-op: no error, still at head, and what was stored is still there."""
    url = f"sqlite:///{tmp_path / 'again.db'}"
    first = open_store(url)
    try:
        with first.transaction() as session:
            session.execute(text("INSERT INTO threats_setting (name, value) VALUES ('probe', '42')"))
        heads = script_heads()
    finally:
        first.close()
    again = open_store(url)
    try:
        assert at_head(again.engine)
        with again.engine.connect() as conn:
            assert set(MigrationContext.configure(conn).get_current_heads()) == heads
        with again.transaction() as session:
            stored = session.execute(text("SELECT value FROM threats_setting WHERE name = 'probe'"))
            assert stored.scalars().all() == ["42"]
    finally:
        again.close()


def test_transaction_rolls_back_on_error(store: Store) -> None:
    with store.transaction() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS probe (n INTEGER)"))
    with pytest.raises(RuntimeError), store.transaction() as session:
        session.execute(text("INSERT INTO probe (n) VALUES (1)"))
        raise RuntimeError("boom")
    with store.transaction() as session:
        assert session.execute(text("SELECT count(*) FROM probe")).scalar_one() == 0


def test_the_quick_head_check_agrees_with_alembic(store: Store) -> None:
    """`open_store` skips Alembic when the database is at head; its reading of the scripts is Alembic's."""
    assert script_heads() == set(ScriptDirectory.from_config(alembic_config(store.engine)).get_heads())
    assert at_head(store.engine)


def test_a_database_behind_head_is_still_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    behind = open_store(url, migrate_schema=False)
    try:
        assert not at_head(behind.engine)  # no alembic_version table yet
        command.upgrade(alembic_config(behind.engine), "0001_base")  # the base only: the branches behind
        assert not at_head(behind.engine)
    finally:
        behind.close()
    reopened = open_store(url)
    try:
        assert at_head(reopened.engine)
        tables = set(inspect(reopened.engine).get_table_names())
        assert {"eval_runs", "systems_profile", "threats_object"} <= tables
    finally:
        reopened.close()
