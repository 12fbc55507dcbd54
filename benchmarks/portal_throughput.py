"""Portal throughput: the registry list, filtered, one page, as JSON and as HTML — beside Datasette.

One SQLite file holds 10,000 registered systems (the ten bundled examples, each copied 1,000 times
under new ids and 200 provider names; one in 50 moved to the border-control sector, so non-public
under EU AI Act Art. 49(4)), 2,000 evaluations and 20,000 incidents that name systems (synthetic
rows: their contents do not matter to a listing). The listing index is built as `tongzhou serve`
builds it (its time is printed too).

Then, in the same run, each server in its own process on loopback, one at a time:

* Tongzhou: `tongzhou.portal.service:service_from_env` under uvicorn, one worker, with
  authorization on (each request resolves its viewer and applies the Art. 49(4) filter) —
  ``GET /api/v1/systems?jurisdiction=eu&tier=high_risk&limit=25`` and the same as ``/registry``;
* Datasette (the anchor), one process, serving the same filtered page from the same file as SQL
  (``?sql=…&_shape=array``): the SQL our registry search sends (the facet index joined to the
  listing), the same 25 rows.

A load generator (asyncio + httpx, ``--concurrency`` requests in flight, default 16) drives each
for ``--seconds``; it runs on the same machine and cores as the server, which it slows as much for
each system. Prints requests/s, p50 and p99, and the ratios to Datasette's JSON; then the same
with one request at a time (c=1), the latency a single visitor sees.

With ``--database-url postgresql://…`` the same rows (same random seed) are also written to that
PostgreSQL database, in a new schema of their own (``portal_bench_<hex>``, dropped at the end, also
after a failure), the listing index is built there, and Tongzhou is measured a second time with its
store on PostgreSQL. Datasette serves SQLite only (it has no PostgreSQL mode), so the anchor stays
Datasette on the SQLite copy of the same rows, measured in the same run; Tongzhou on SQLite is
measured in that run too, so the three figures come from one machine state. The load average
(``os.getloadavg()``, what ``uptime`` prints) is printed before and after the measurements: the
build machine is shared.

Run: ``.venv/bin/python benchmarks/portal_throughput.py`` (needs the ``bench`` extra for Datasette:
``pip install -e '.[bench]'``); add ``--database-url postgresql://postgres@127.0.0.1:5432/test``
for PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port, wait_http  # noqa: E402

FILTER = {"jurisdiction": "eu", "tier": "high_risk"}
PAGE = 25
DATASETTE_SQL = (  # the SQL registry_search sends for this filter (SQLAlchemy's, values inlined)
    "select l.system_id, l.name, l.provider, l.status, l.restricted, l.summary_json "
    "from portal_facet f join portal_listing l on l.system_id = f.system_id "
    "where f.kind = 'jtier' and f.value = 'eu:high_risk' and l.restricted is not 1 "
    f"order by f.system_id limit {PAGE + 1}"
)


Timings = tuple[float, float, float, int]
"""(requests/s, p50 ms, p99 ms, errors)."""


def build(url: str, systems: int, evaluations: int, incidents: int) -> dict[str, float]:
    """Fill the store at ``url``; returns the seconds each part took."""
    from tongzhou.portal._tables import EVALUATIONS
    from tongzhou.portal.listing_index import refresh_listing
    from tongzhou.store import open_store
    from tongzhou.systems._tables import SystemRecord
    from tongzhou.systems.bundled import example_profiles
    from tongzhou.systems.registry import profile_digest
    from tongzhou.threats._tables import INCIDENTS

    rng = random.Random(18)
    store = open_store(url)
    times: dict[str, float] = {}
    start = time.perf_counter()
    examples = example_profiles()
    rows = []
    now = dt.datetime.now(dt.UTC)
    for n in range(systems):
        base = examples[n % len(examples)]
        data = base.model_dump(mode="json", exclude_none=True)
        data["id"] = f"{base.id}-{n:05d}"
        data["name"] = f"{base.name} #{n}"
        data["provider"] = {**data["provider"], "name": f"Provider {n % 200}"}
        if n % 50 == 0:
            data["sectors"] = ["migration_border"]
        profile = type(base).model_validate(data)
        text, digest = profile_digest(profile)
        rows.append(
            {
                "id": profile.id,
                "name": profile.name,
                "version": profile.version,
                "registrant_role": profile.registrant.role.value,
                "profile_json": text,
                "sha256": digest,
                "source": "benchmark",
                "created_at": now,
                "updated_at": now,
            }
        )
    ids = [r["id"] for r in rows]
    with store.transaction() as session:
        session.execute(SystemRecord.__table__.insert(), rows)
        session.execute(
            EVALUATIONS.insert(),
            [
                {
                    "id": f"eval-{n:05d}",
                    "system_id": rng.choice(ids),
                    "evaluator": f"Lab {n % 20}",
                    "verdict": rng.choice(["pass", "fail"]),
                    "key_id": f"key-{n % 20}",
                    "uploaded_by": "bench",
                    "uploaded_us": 1_760_000_000_000_000 + n,
                    "envelope_json": "{}",
                }
                for n in range(evaluations)
            ],
        )
        session.execute(
            INCIDENTS.insert(),
            [
                {
                    "id": f"incident--bench-{n:06d}",
                    "title": f"Incident {n}",
                    "classification": "incident",
                    "severity": "serious" if n % 10 == 0 else "other",
                    "occurred_us": None,
                    "aware_us": 1_760_000_000_000_000 + n,
                    "source": "bench",
                    "created_us": 1_760_000_000_000_000 + n,
                    "body": json.dumps(
                        {"title": f"Incident {n}", "ai_system": rng.choice(ids), "harm_types": ["rights"]}
                    ),
                }
                for n in range(incidents)
            ],
        )
    times["store filled"] = time.perf_counter() - start
    start = time.perf_counter()
    refresh_listing(store)
    times["listing index built (classifies every system)"] = time.perf_counter() - start
    store.close()
    return times


async def drive(url: str, concurrency: int, seconds: float) -> Timings:
    """(requests/s, p50 ms, p99 ms, errors) of GET ``url`` with ``concurrency`` in flight."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        for _ in range(concurrency):  # warm the connections
            await client.get(url)

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.get(url)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000, errors


def serve(argv: list[str], probe: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(probe, timeout=120, process=process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A new schema in the PostgreSQL database at ``url``, dropped afterwards; yields a URL whose
    connections use it (``options=-csearch_path=…``, so the server process needs no flag)."""
    from sqlalchemy import create_engine, make_url, text

    from tongzhou.store._engine import normalise_url

    schema = "portal_bench_" + uuid.uuid4().hex[:10]
    base = make_url(normalise_url(url))
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def measure_ours(
    env: dict[str, str], args: argparse.Namespace, alone_s: float
) -> tuple[list[str], dict[str, Timings], dict[str, Timings]]:
    """Tongzhou under uvicorn (one worker) on the store ``env`` names: the first page's ids, then
    (JSON, HTML) at ``--concurrency`` and alone."""
    port = free_port()
    ours = serve(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "tongzhou.portal.service:service_from_env",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        f"http://127.0.0.1:{port}/api/v1/openapi.json",
        env,
    )
    query = urlencode({**FILTER, "limit": PAGE})
    loaded: dict[str, Timings] = {}
    alone: dict[str, Timings] = {}
    try:
        json_url = f"http://127.0.0.1:{port}/api/v1/systems?{query}"
        first = [s["id"] for s in httpx.get(json_url).json()["systems"]]
        html_url = f"http://127.0.0.1:{port}/registry?{query}"
        for kind, url in (("JSON /api/v1/systems", json_url), ("HTML /registry", html_url)):
            loaded[kind] = asyncio.run(drive(url, args.concurrency, args.seconds))
        for kind, url in (("JSON /api/v1/systems", json_url), ("HTML /registry", html_url)):
            alone[kind] = asyncio.run(drive(url, 1, alone_s))
    finally:
        stop(ours)
    return first, loaded, alone


def measure_datasette(
    datasette: str, db: Path, env: dict[str, str], args: argparse.Namespace, alone_s: float
) -> tuple[list[str], Timings, Timings]:
    """Datasette serving the same filtered page as SQL from the SQLite file."""
    port = free_port()
    anchor = serve(
        [
            datasette,
            "serve",
            str(db),
            "--port",
            str(port),
            "--setting",
            "sql_time_limit_ms",
            "5000",
            "--setting",
            "max_returned_rows",
            "1000",
        ],
        f"http://127.0.0.1:{port}/-/versions.json",
        env,
    )
    try:
        url = f"http://127.0.0.1:{port}/tongzhou.json?" + urlencode({"sql": DATASETTE_SQL, "_shape": "array"})
        first = [r["system_id"] for r in httpx.get(url).json()[:PAGE]]
        loaded = asyncio.run(drive(url, args.concurrency, args.seconds))
        alone = asyncio.run(drive(url, 1, alone_s))
    finally:
        stop(anchor)
    return first, loaded, alone


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them, and the CPU count."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument("--evaluations", type=int, default=2_000)
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--database-url",
        help="also seed this PostgreSQL database (a new schema, dropped after) and measure Tongzhou on it",
    )
    parser.add_argument(
        "--datasette",
        help="the datasette executable (default: the one beside this Python, from the bench extra)",
    )
    args = parser.parse_args()
    datasette = args.datasette or shutil.which("datasette", path=str(Path(sys.executable).parent))
    if datasette is None:
        sys.exit("Datasette is missing: .venv/bin/pip install -e '.[bench]' (or name one with --datasette)")
    if args.database_url and not args.database_url.startswith(("postgresql", "postgres://")):
        sys.exit("--database-url must be a postgresql:// URL (SQLite is always measured)")
    home = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    os.environ["TONGZHOU_HOME"] = str(home)
    os.environ.pop("TONGZHOU_DATABASE_URL", None)
    try:
        with optional_postgres_schema(args.database_url) as pg_url:
            run(args, datasette, home, pg_url)
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def optional_postgres_schema(url: str | None) -> Iterator[str | None]:
    """A scoped PostgreSQL URL when ``url`` is given, else None."""
    if url is None:
        yield None
        return
    with postgres_schema(url) as scoped:
        yield scoped


def run(args: argparse.Namespace, datasette: str, home: Path, pg_url: str | None) -> None:
    """Build the stores, measure every server one after the other, print the tables."""
    db = home / "tongzhou.db"
    stores = {"SQLite": f"sqlite:///{db}"}
    if pg_url is not None:
        stores["PostgreSQL"] = pg_url
    for backend, url in stores.items():
        for what, seconds in build(url, args.systems, args.evaluations, args.incidents).items():
            print(f"{backend}: {what}: {seconds:.1f} s")
    env = {
        **os.environ,
        "TONGZHOU_HOME": str(home),
        "PYTHONPATH": str(SRC),
        "TONGZHOU_PORTAL_MIGRATE": "0",
        "TONGZHOU_TAXII_MIGRATE": "0",
        "TONGZHOU_TAXII_VALIDATION_PROCESSES": "0",
    }
    loaded: dict[str, Timings] = {}
    alone: dict[str, Timings] = {}
    alone_s = min(args.seconds, 5.0)
    print(f"before the measurements: {load_average()}")
    pages: dict[str, list[str]] = {}
    for backend, url in stores.items():
        backend_env = dict(env)
        if backend == "PostgreSQL":
            backend_env["TONGZHOU_DATABASE_URL"] = url
        first, ours_loaded, ours_alone = measure_ours(backend_env, args, alone_s)
        pages[backend] = first
        for kind in ours_loaded:
            loaded[f"Tongzhou {kind} ({backend})"] = ours_loaded[kind]
            alone[f"Tongzhou {kind} ({backend})"] = ours_alone[kind]
    theirs, anchor_loaded, anchor_alone = measure_datasette(datasette, db, env, args, alone_s)
    anchor = "Datasette JSON, same SQL (SQLite)"
    loaded[anchor], alone[anchor] = anchor_loaded, anchor_alone
    print(f"after the measurements: {load_average()}")
    for backend, first in pages.items():
        assert first == theirs, f"Tongzhou on {backend} and Datasette served different pages"
    print(
        f"\n{args.systems} systems, {args.evaluations} evaluations, {args.incidents} incidents; "
        f"filter {FILTER}, {PAGE} per page, c={args.concurrency}, {args.seconds:g} s each"
    )
    if pg_url is not None:
        print("Datasette has no PostgreSQL mode: its figure is on the SQLite copy of the same rows.")
    width = max(len(name) for name in loaded) + 2
    for title, table in ((f"c={args.concurrency}", loaded), (f"c=1 (alone, {alone_s:g} s)", alone)):
        print(f"{title:{width}} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name, (rps, p50, p99, errors) in table.items():
            print(f"{name:{width}} {rps:8.0f} {p50:8.1f} {p99:8.1f} {errors:7d}")
    anchor_rps = loaded[anchor][0]
    for name in loaded:
        if name != anchor:
            print(f"ratio {name} / Datasette JSON: {loaded[name][0] / anchor_rps:.2f}")


if __name__ == "__main__":
    main()
