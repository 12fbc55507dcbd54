"""A re-assessment tick over 10,000 registered public-sector systems (no endpoint re-runs): seconds
and peak memory, on SQLite or PostgreSQL, beside an anchor measured in the same run.

Anchor: the plain classification of the same systems — read the 10,000 profiles from the same
store, validate them, and classify each as of the same day with one compiled rule set (what
``benchmarks/classify_throughput.py`` measures, plus the read). The tick does that and everything
a review adds: the review plans (10,000 new rows), the comparison with the last review, the
attestation look-up in the workspace, one assessment entry per system with its evidence, the
overdue scan and the outbox. The printed ratio is tick / anchor.

Each phase runs in a fresh child process (spawned after the store is filled), so its peak resident
set size (``ru_maxrss``) is its own: interpreter, imports and the work.

    .venv/bin/python benchmarks/reassess_tick.py [--systems 10000]
    .venv/bin/python benchmarks/reassess_tick.py --url postgresql://postgres@127.0.0.1:5432/test

Default store: a fresh SQLite file in a temporary directory. ``--url`` takes a PostgreSQL URL; the
run then uses a schema of its own, created first and dropped after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import random
import resource
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

AS_OF = dt.date(2026, 12, 6)


def fill(url: str, schema: str | None, n: int, seed: int = 11) -> None:
    """Register ``n`` varied public-sector systems (the bundled examples with varied facts)."""
    from tongzhou.store import open_store
    from tongzhou.systems._tables import SystemRecord
    from tongzhou.systems._vocabulary import terms
    from tongzhou.systems.bundled import example_profiles
    from tongzhou.systems.profile import Deployer
    from tongzhou.systems.registry import profile_digest

    store = open_store(url, schema=schema)
    rng = random.Random(seed)
    base = example_profiles()
    functions, sectors = sorted(terms("functions")), sorted(terms("sectors"))
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        p = base[i % len(base)]
        deployer = Deployer(
            name=f"Public body {i}", country="FR", public_body=True, provides_public_service=True
        )
        profile = p.model_copy(
            update={
                "id": f"public-{i:05d}",
                "deployer": deployer,
                "functions": rng.sample(functions, rng.randint(0, 3)),
                "sectors": rng.sample(sectors, rng.randint(0, 2)),
            }
        )
        body, digest = profile_digest(profile)
        rows.append(
            {
                "id": profile.id,
                "name": profile.name,
                "version": profile.version,
                "registrant_role": profile.registrant.role.value,
                "profile_json": body,
                "sha256": digest,
                "source": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    with store.transaction() as session:
        for start in range(0, n, 1000):
            session.execute(insert(SystemRecord), rows[start : start + 1000])
    store.close()


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def anchor(url: str, schema: str | None, out: Any) -> None:
    """Read, validate and classify every registered profile as of AS_OF."""
    import json

    from sqlalchemy import select

    from tongzhou.classify import Classifier
    from tongzhou.store import open_store
    from tongzhou.systems._tables import SystemRecord
    from tongzhou.systems.profile import SystemProfile

    store = open_store(url, schema=schema)
    started = time.perf_counter()
    classifier = Classifier()  # the rules compiled once, as the tick compiles them once
    with store.transaction() as session:
        texts = list(session.scalars(select(SystemRecord.profile_json)))
    count = 0
    for body in texts:
        classifier.classify(SystemProfile.model_validate(json.loads(body)), AS_OF)
        count += 1
    out.put({"seconds": time.perf_counter() - started, "peak_mib": _peak_mib(), "systems": count})
    store.close()


def tick(url: str, schema: str | None, out: Any) -> None:
    """One tick as of AS_OF, without endpoint re-runs or deliveries."""
    from tongzhou.classify import Classifier  # the same imports as the anchor, before the clock starts
    from tongzhou.reassess.tick import run_tick
    from tongzhou.store import open_store

    del Classifier
    store = open_store(url, schema=schema)
    started = time.perf_counter()
    report = run_tick(store, AS_OF, run_evaluations=False, deliver=False)
    seconds = time.perf_counter() - started
    again = time.perf_counter()
    second = run_tick(store, AS_OF, run_evaluations=False, deliver=False)
    out.put(
        {
            "seconds": seconds,
            "peak_mib": _peak_mib(),
            "systems": len(report.assessed),
            "plans": len(report.plans_added),
            "second_seconds": time.perf_counter() - again,
            "second_nothing_new": second.nothing_new,
        }
    )
    store.close()


def _phase(target: Any, url: str, schema: str | None) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(url, schema, queue))
    process.start()
    result: dict[str, Any] = queue.get(timeout=3600)
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument(
        "--url", default=None, help="a PostgreSQL URL (default: SQLite in a temporary directory)"
    )
    args = parser.parse_args()
    os.environ["TONGZHOU_HOME"] = tempfile.mkdtemp(prefix="reassess-bench-")
    url = args.url or f"sqlite:///{Path(os.environ['TONGZHOU_HOME']) / 'bench.db'}"
    schema = None
    admin = None
    if url.startswith("postgres"):
        from tongzhou.store._engine import normalise_url

        url = normalise_url(url)
        schema = "bench_" + uuid.uuid4().hex[:10]
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        started = time.perf_counter()
        fill(url, schema, args.systems)
        filled = time.perf_counter() - started
        base = _phase(anchor, url, schema)
        ours = _phase(tick, url, schema)
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    assert ours["systems"] == base["systems"] == args.systems, (ours, base)
    load = os.getloadavg()[0]
    backend = "PostgreSQL" if schema else "SQLite"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f}, "
        f"Python {platform.python_version()}; store: {backend}; {args.systems:,} public-sector systems "
        f"registered in {filled:.1f} s; as of {AS_OF}"
    )
    print("                                          seconds   systems/s   peak RSS MiB")
    print(
        f"anchor: read + classify each system      {base['seconds']:8.2f} "
        f"{base['systems'] / base['seconds']:10,.0f} {base['peak_mib']:12.0f}"
    )
    print(
        f"tick (plans + reviews + entries)         {ours['seconds']:8.2f} "
        f"{ours['systems'] / ours['seconds']:10,.0f} {ours['peak_mib']:12.0f}"
    )
    print(
        f"ratio tick / anchor: {ours['seconds'] / base['seconds']:.2f}x time, "
        f"{ours['peak_mib'] / base['peak_mib']:.2f}x peak memory"
    )
    print(
        f"second tick the same day: {ours['second_seconds']:.2f} s, nothing new: {ours['second_nothing_new']}"
    )


if __name__ == "__main__":
    main()
