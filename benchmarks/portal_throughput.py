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
  (``?sql=…&_shape=array``): the same WHERE, the same facet index, the same 25 rows.

A load generator (asyncio + httpx, ``--concurrency`` requests in flight, default 16) drives each
for ``--seconds``; it runs on the same machine and cores as the server, which it slows as much for
each system. Prints requests/s, p50 and p99, and the ratios to Datasette's JSON; then the same
with one request at a time (c=1), the latency a single visitor sees.

Run: ``.venv/bin/python benchmarks/portal_throughput.py`` (needs the ``bench`` extra for Datasette:
``pip install -e '.[bench]'``).
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
DATASETTE_SQL = (
    "select l.system_id, l.name, l.provider, l.status, l.restricted, l.summary_json "
    "from portal_listing l where l.restricted = 0 and l.system_id in "
    "(select system_id from portal_facet where kind = 'jtier' and value = 'eu:high_risk') "
    f"order by l.system_id limit {PAGE + 1}"
)


def build(home: Path, systems: int, evaluations: int, incidents: int) -> dict[str, float]:
    """Fill the store in ``home``; returns the seconds each part took."""
    os.environ["TONGZHOU_HOME"] = str(home)
    from tongzhou.portal._tables import EVALUATIONS
    from tongzhou.portal.listing_index import refresh_listing
    from tongzhou.store import open_store
    from tongzhou.systems._tables import SystemRecord
    from tongzhou.systems.bundled import example_profiles
    from tongzhou.systems.registry import profile_digest
    from tongzhou.threats._tables import INCIDENTS

    rng = random.Random(18)
    store = open_store()
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


async def drive(url: str, concurrency: int, seconds: float) -> tuple[float, float, float, int]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument("--evaluations", type=int, default=2_000)
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    datasette = shutil.which("datasette", path=str(Path(sys.executable).parent))
    if datasette is None:
        sys.exit("Datasette is missing: .venv/bin/pip install -e '.[bench]'")
    home = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    try:
        for what, seconds in build(home, args.systems, args.evaluations, args.incidents).items():
            print(f"{what}: {seconds:.1f} s")
        db = home / "tongzhou.db"
        env = {
            **os.environ,
            "TONGZHOU_HOME": str(home),
            "PYTHONPATH": str(SRC),
            "TONGZHOU_PORTAL_MIGRATE": "0",
            "TONGZHOU_TAXII_MIGRATE": "0",
            "TONGZHOU_TAXII_VALIDATION_PROCESSES": "0",
        }
        results: dict[str, tuple[float, float, float, int]] = {}
        alone: dict[str, tuple[float, float, float, int]] = {}
        alone_s = min(args.seconds, 5.0)
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
        try:
            json_url = f"http://127.0.0.1:{port}/api/v1/systems?{query}"
            first = httpx.get(json_url).json()["systems"]
            results["Tongzhou JSON /api/v1/systems"] = asyncio.run(
                drive(json_url, args.concurrency, args.seconds)
            )
            html_url = f"http://127.0.0.1:{port}/registry?{query}"
            results["Tongzhou HTML /registry"] = asyncio.run(drive(html_url, args.concurrency, args.seconds))
            alone["Tongzhou JSON /api/v1/systems"] = asyncio.run(drive(json_url, 1, alone_s))
            alone["Tongzhou HTML /registry"] = asyncio.run(drive(html_url, 1, alone_s))
        finally:
            stop(ours)
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
            url = f"http://127.0.0.1:{port}/tongzhou.json?" + urlencode(
                {"sql": DATASETTE_SQL, "_shape": "array"}
            )
            theirs = httpx.get(url).json()
            assert [r["system_id"] for r in theirs[:PAGE]] == [s["id"] for s in first], "not the same page"
            results["Datasette JSON (same SQL)"] = asyncio.run(drive(url, args.concurrency, args.seconds))
            alone["Datasette JSON (same SQL)"] = asyncio.run(drive(url, 1, alone_s))
        finally:
            stop(anchor)
        print(
            f"\n{args.systems} systems, {args.evaluations} evaluations, {args.incidents} incidents; "
            f"filter {FILTER}, {PAGE} per page, c={args.concurrency}, {args.seconds:g} s each"
        )
        for title, table in (
            (f"c={args.concurrency}", results),
            (f"c=1 (latency alone, {alone_s:g} s)", alone),
        ):
            print(f"{title:34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
            for name, (rps, p50, p99, errors) in table.items():
                print(f"{name:34} {rps:8.0f} {p50:8.1f} {p99:8.1f} {errors:7d}")
        anchor_rps = results["Datasette JSON (same SQL)"][0]
        for name in ("Tongzhou JSON /api/v1/systems", "Tongzhou HTML /registry"):
            print(f"ratio {name} / Datasette JSON: {results[name][0] / anchor_rps:.2f}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
