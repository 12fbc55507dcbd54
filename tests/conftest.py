"""Fixtures every test package shares: an isolated home, the store on SQLite and PostgreSQL,
and the bundled SmolLM2 behind a real OpenAI-compatible server (llama-cpp-python's)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.pg_schemas import MigratedSchemas
from tests.sqlite_template import MigratedTemplate
from tongzhou.store import Store, _engine, open_store

POSTGRES_URL = os.environ.get(
    "TONGZHOU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True)
def tongzhou_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own TONGZHOU_HOME and the default (SQLite) database inside it."""
    home = tmp_path / "tongzhou-home"
    monkeypatch.setenv("TONGZHOU_HOME", str(home))
    monkeypatch.delenv("TONGZHOU_DATABASE_URL", raising=False)
    return home


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplate:
    """One SQLite database that the real migrations made (on first use), for new stores to copy."""
    return MigratedTemplate(tmp_path_factory.mktemp("migrated-template"), _engine.migrate)


MIGRATION_TESTS = Path(__file__).resolve().parent / "store"


@pytest.fixture(autouse=True)
def new_sqlite_stores_copy_the_migrated_template(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, migrated_template: MigratedTemplate
) -> None:
    """A new SQLite store opened in this process starts as a copy of the migrated template instead of
    running Alembic again (tests/sqlite_template.py says why that is the same database). The tests
    of the migrations themselves (tests/store, or marked ``real_migrations``) run Alembic."""
    if _tests_migrations(request):
        return
    monkeypatch.setattr(_engine, "migrate", migrated_template.migrate)


def _postgres_unreachable_reason() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip, and say why
        return f"PostgreSQL unreachable at {POSTGRES_URL}: {type(exc).__name__}: {exc}"
    return None


_PG_REASON: str | None | bool = False


def postgres_skip_reason() -> str | None:
    """Why PostgreSQL tests must skip (None when the server answers). Checked once per session."""
    global _PG_REASON
    if _PG_REASON is False:
        _PG_REASON = _postgres_unreachable_reason()
    return _PG_REASON  # type: ignore[return-value]


@pytest.fixture
def postgres_url() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL schema for one test: yields ``(url, schema)`` and drops the schema after."""
    reason = postgres_skip_reason()
    if reason:
        pytest.skip(reason)
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield POSTGRES_URL, schema
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_schemas() -> Iterator[MigratedSchemas]:
    """PostgreSQL schemas migrated once and emptied between tests (tests/pg_schemas.py says why that
    is the state a new schema would be in)."""
    reason = postgres_skip_reason()
    if reason:
        pytest.skip(reason)
    pool = MigratedSchemas(POSTGRES_URL, lambda url, schema: open_store(url, schema=schema).close())
    try:
        yield pool
    finally:
        pool.close()


def _tests_migrations(request: pytest.FixtureRequest) -> bool:
    node = request.node
    return bool(node.get_closest_marker("real_migrations")) or node.path.is_relative_to(MIGRATION_TESTS)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The migrated store, once on SQLite and once on PostgreSQL (skipped with the reason if unreachable)."""
    if request.param == "sqlite":
        opened = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    elif _tests_migrations(request):
        url, schema = request.getfixturevalue("postgres_url")
        opened = open_store(url, schema=schema)
    else:
        schemas: MigratedSchemas = request.getfixturevalue("migrated_schemas")
        schema = schemas.take()
        try:
            opened = open_store(POSTGRES_URL, schema=schema)
        except BaseException:
            schemas.drop(schema)
            raise
        try:
            yield opened
        finally:
            opened.close()
            schemas.give_back(schema)
        return
    try:
        yield opened
    finally:
        opened.close()


def free_port() -> int:
    """A TCP port on loopback that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 120.0, process: subprocess.Popen[bytes] | None = None) -> None:
    """Poll ``url`` until it answers 2xx, the process dies, or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=2.0).status_code < 300:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled SmolLM2 behind llama-cpp-python's OpenAI-compatible server; yields the base URL (…/v1)."""
    from tongzhou.bundled_model import bundled_model_path
    from tongzhou.model_runtime.openai_server import ModelServer

    log = tmp_path_factory.mktemp("llama") / "server.log"
    alias = "smollm2-135m-instruct"
    with ModelServer(bundled_model_path(), log, alias=alias, n_ctx=2048, seed=1234) as server:
        yield server.base_url
