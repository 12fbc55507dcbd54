"""Reads and writes of runs, samples and the response cache (batched: one transaction per flush)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tongzhou.errors import InputError
from tongzhou.evaluate._tables import EvalResponseCache, EvalRun, EvalSample
from tongzhou.store import Store

_CHUNK = 500


def utc_now() -> datetime:
    """Timezone-aware now (UTC)."""
    return datetime.now(UTC)


def _insert_ignore(store: Store, table: Any) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for the store's dialect (a cached answer is never overwritten)."""
    name = store.engine.dialect.name
    if name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise InputError(
        f"TONGZHOU_DATABASE_URL points at {name}: the store supports SQLite and PostgreSQL only"
    )


def create_run(store: Store, row: dict[str, Any]) -> None:
    """Insert a new run."""
    with store.transaction() as session:
        session.add(EvalRun(**row))


def get_run(store: Store, run_id: str) -> EvalRun | None:
    """The run row, or None."""
    with store.transaction() as session:
        return session.get(EvalRun, run_id)


def finish_run(
    store: Store, run_id: str, *, status: str, errors: int, energy: dict[str, Any] | None, finished: bool
) -> None:
    """Set the final status (and finish time when the run reached its end)."""
    values: dict[str, Any] = {"status": status, "errors": errors}
    if finished:
        values["finished_at"] = utc_now()
    if energy is not None:
        values["energy"] = energy
    with store.transaction() as session:
        session.execute(update(EvalRun).where(EvalRun.id == run_id).values(**values))


def cached_responses(store: Store, keys: Iterable[str]) -> dict[str, str]:
    """``{cache_key: response}`` for every key already answered."""
    wanted = list(dict.fromkeys(keys))
    out: dict[str, str] = {}
    with store.transaction() as session:
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            rows = session.execute(
                select(EvalResponseCache.key, EvalResponseCache.response).where(
                    EvalResponseCache.key.in_(chunk)
                )
            )
            out.update({k: r for k, r in rows})
    return out


def done_item_keys(store: Store, run_id: str) -> set[tuple[str, str]]:
    """``(bank_id, item_id)`` already scored in this run (for resume)."""
    with store.transaction() as session:
        rows = session.execute(
            select(EvalSample.bank_id, EvalSample.item_id).where(EvalSample.run_id == run_id)
        )
        return {(b, i) for b, i in rows}


def write_batch(
    store: Store, cache_rows: Sequence[dict[str, Any]], sample_rows: Sequence[dict[str, Any]]
) -> None:
    """Write answers to the cache and scored samples, in one transaction."""
    if not cache_rows and not sample_rows:
        return
    with store.engine.begin() as conn:
        if cache_rows:
            conn.execute(_insert_ignore(store, EvalResponseCache.__table__), list(cache_rows))
        if sample_rows:
            conn.execute(_insert_ignore(store, EvalSample.__table__), list(sample_rows))


def list_runs(store: Store, limit: int = 50) -> list[EvalRun]:
    """Most recent runs first."""
    with store.transaction() as session:
        return list(session.scalars(select(EvalRun).order_by(EvalRun.started_at.desc()).limit(limit)))


def samples(store: Store, run_id: str) -> list[EvalSample]:
    """A run's samples in draw order."""
    with store.transaction() as session:
        return list(
            session.scalars(
                select(EvalSample).where(EvalSample.run_id == run_id).order_by(EvalSample.position)
            )
        )


def cache_size(store: Store) -> int:
    """Number of cached answers."""
    from sqlalchemy import func

    with store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(EvalResponseCache)) or 0)
