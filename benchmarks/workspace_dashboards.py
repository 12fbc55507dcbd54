"""Dashboard numbers by SQL in the store, beside the same numbers counted in Python, in one run.

Builds a store with N registered systems (the bundled examples under numbered ids), plans each one
(``tongzhou workspace plan``: classification → tracked items), then times:

* ours: ``systems_by_tier`` and ``upcoming_dates`` (GROUP BY in the database);
* anchor: the same figures counted in Python from every plan row and item loaded through the ORM
  (what a page handler that "just loads the items" does).

Both answers are compared before any figure is printed. Also printed: plans made per second.

    .venv/bin/python benchmarks/workspace_dashboards.py [--systems 1000] [--repeat 5] [--url URL]

Default store: a fresh SQLite file in a temporary directory. ``--url`` takes a PostgreSQL URL; the
run then uses a schema of its own, created first and dropped after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

from tongzhou.store import open_store
from tongzhou.store._engine import normalise_url
from tongzhou.systems.bundled import example_profiles
from tongzhou.systems.registry import SystemRegistry
from tongzhou.workspace._tables import PlanJurisdictionRow
from tongzhou.workspace.dashboards import systems_by_tier, upcoming_dates
from tongzhou.workspace.service import ComplianceWorkspace

AS_OF = dt.date(2026, 12, 6)


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    schema = None
    if url.startswith("postgres"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        run(url, schema, args.systems, args.repeat)
    finally:
        if schema is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def run(url: str, schema: str | None, systems: int, repeat: int) -> None:
    """Build, plan, time and print."""
    store = open_store(url, schema=schema)
    registry, workspace = SystemRegistry(store), ComplianceWorkspace(store)
    examples = example_profiles()
    ids = []
    for n in range(systems):
        base = examples[n % len(examples)]
        profile = base.model_copy(update={"id": f"{base.id[:50]}-{n:05d}"})
        registry.add(profile)
        ids.append(profile.id)
    start = time.perf_counter()
    for system_id in ids:
        workspace.plan(system_id, as_of=AS_OF)
    plan_seconds = time.perf_counter() - start
    items = len(workspace.items())

    def tiers_in_python() -> Counter[tuple[str, str]]:
        with store.transaction() as session:
            rows = session.scalars(select(PlanJurisdictionRow)).all()
            out: Counter[tuple[str, str]] = Counter()
            for r in rows:
                tier = r.headline_tier or {False: "out-of-scope", None: "scope-undetermined"}.get(
                    r.in_scope, "no-tier"
                )
                out[(r.jurisdiction, tier)] += 1
            return out

    def dates_in_python() -> dict[tuple[dt.date, str, str], set[str]]:
        out: dict[tuple[dt.date, str, str], set[str]] = {}
        for i in workspace.items():
            if i.due_date is not None and i.due_date >= AS_OF:
                out.setdefault((i.due_date, i.jurisdiction, i.obligation_id), set()).add(i.system_id)
        return out

    sql_tiers_s, sql_tiers = _best(lambda: systems_by_tier(store), repeat)
    py_tiers_s, py_tiers = _best(tiers_in_python, repeat)
    assert {(r.jurisdiction, r.tier): r.systems for r in sql_tiers} == dict(py_tiers), "tier counts differ"
    sql_dates_s, sql_dates = _best(lambda: upcoming_dates(store, AS_OF), repeat)
    py_dates_s, py_dates = _best(dates_in_python, repeat)
    assert {(r.date, r.jurisdiction, r.obligation_id): set(r.systems) for r in sql_dates} == py_dates

    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}")
    print(f"store: {store.engine.dialect.name}; {systems} systems planned, {items} items")
    print(f"plans: {systems / plan_seconds:,.0f} systems/s ({plan_seconds:.1f} s)")
    print(
        f"systems_by_tier: ours {sql_tiers_s * 1000:.1f} ms, anchor (Python over ORM rows) "
        f"{py_tiers_s * 1000:.1f} ms, ratio {py_tiers_s / sql_tiers_s:.1f}x"
    )
    print(
        f"upcoming_dates:  ours {sql_dates_s * 1000:.1f} ms, anchor (Python over ORM items) "
        f"{py_dates_s * 1000:.1f} ms, ratio {py_dates_s / sql_dates_s:.1f}x"
    )
    store.close()


if __name__ == "__main__":
    main()
