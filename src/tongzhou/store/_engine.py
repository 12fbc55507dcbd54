"""Open the store: pick the database, create the engine, migrate to head."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from tongzhou.home import tongzhou_home

if TYPE_CHECKING:
    from alembic.config import Config

DATABASE_URL_ENV = "TONGZHOU_DATABASE_URL"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def database_url() -> str:
    """The store's URL: ``TONGZHOU_DATABASE_URL`` or SQLite in the home directory."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return normalise_url(url)
    return f"sqlite:///{tongzhou_home() / 'tongzhou.db'}"


def normalise_url(url: str) -> str:
    """Map plain ``postgresql://`` URLs to the psycopg 3 driver we ship."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL lets readers work beside one writer; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Bulk ingest (TAXII envelopes of 1,000 objects) touches pages all over the unique indexes: a
    # 64 MiB page cache (default 2 MiB) and checkpoints every ~40 MB of WAL (default ~4 MB) took
    # the insert + commit of such an envelope from ~45k to ~60k rows/s here (measured). The cache
    # is an upper bound per connection, filled only as pages are read.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def create_store_engine(url: str, *, schema: str | None = None) -> Engine:
    """Create an engine for ``url``; ``schema`` sets the PostgreSQL search_path (tests)."""
    url = normalise_url(url)
    kwargs: dict[str, object] = {"future": True}
    if url.startswith("postgresql") and schema:
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` (migrations live in the package)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


_REVISION = re.compile(r"^revision\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(.+)$", re.MULTILINE)


def script_heads() -> set[str]:
    """The head revisions of the migration scripts, read from their ``revision``/``down_revision`` lines."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in MIGRATIONS_DIR.joinpath("versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(source))
        for line in _DOWN_REVISION.findall(source):
            parents.update(re.findall(r"[\"']([^\"']+)[\"']", line))
    return revisions - parents


def at_head(engine: Engine) -> bool:
    """Whether the database already stands at every head (then there is nothing to migrate)."""
    try:
        with engine.connect() as connection:
            stored = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
    except DBAPIError:  # no alembic_version table yet: a new database
        return False
    return bool(stored) and stored == script_heads()


def migrate(engine: Engine) -> None:
    """Upgrade the database to every branch head (each module owns a branch).

    The usual case, a database already at head, is answered by one query and the scripts' revision
    lines: running Alembic (its import, and env.py importing every module's tables) cost ~0.7 s
    of every command's start-up on the build machine, for nothing. Anything else goes to Alembic.
    """
    if at_head(engine):
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "heads")


@dataclass
class Store:
    """An open, migrated database and a session factory."""

    engine: Engine
    url: str
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def open_store(url: str | None = None, *, schema: str | None = None, migrate_schema: bool = True) -> Store:
    """Open (and by default migrate) the store at ``url`` or :func:`database_url`."""
    resolved = normalise_url(url) if url else database_url()
    engine = create_store_engine(resolved, schema=schema)
    if migrate_schema:
        migrate(engine)
    return Store(engine=engine, url=resolved)
