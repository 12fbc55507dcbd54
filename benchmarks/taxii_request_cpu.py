"""TAXII server CPU per tiny request: this tree's server beside an anchor tree's, on the same data.

A tiny request (Get Object Manifests with ``limit=1``; ``--path`` picks another) costs the server
mostly its per-request machinery (routing, dependencies, thread-pool hops, middleware), so it
shows what a restructure of the routes adds. The figure is the server process's CPU time (user +
system, from ``/proc/PID/stat``) per request, not wall time, so other load on a shared machine
moves it little. Each server (uvicorn, one worker, SQLite file) is started ``--rounds`` times,
alternating with the anchor, on one store; each round sends ``--warmup`` requests, then measures
``--requests`` on one keep-alive connection. The ratio is median(this) / median(anchor).

Anchor: any other checkout's ``src`` (``--anchor-src``), for instance the tree before the router
split: ``git archive cca5538 src | tar -x -C /tmp/taxii-old`` then
``--anchor-src /tmp/taxii-old/src``. Without it only this tree is measured.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/taxii_request_cpu.py --anchor-src /tmp/taxii-old/src``
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))

from tongzhou.store import open_store  # noqa: E402
from tongzhou.threats.auth import Authority  # noqa: E402
from tongzhou.threats.repository import TaxiiRepository  # noqa: E402

TAXII = "application/taxii+json;version=2.1"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare(url: str, objects: int) -> tuple[str, str]:
    """A collection of ``objects`` indicators and an admin API key: (collection id, key)."""
    store = open_store(url)
    repo = TaxiiRepository(store, validate_with_stix2=False)
    info = repo.create_collection("tongzhou", "bench")
    authority = Authority(store)
    authority.add_principal("bench", is_admin=True)
    key = authority.issue_api_key("bench")
    batch = [
        {
            "type": "attack-pattern",
            "spec_version": "2.1",
            "id": f"attack-pattern--00000000-0000-4000-8000-{i:012d}",
            "created": "2025-01-01T00:00:00.000Z",
            "modified": "2025-01-01T00:00:00.000Z",
            "name": f"Technique {i}",
        }
        for i in range(objects)
    ]
    repo.add_objects(info, batch, "bench")
    store.close()
    return info.id, key


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(src: str, url: str, path: str, key: str, args: argparse.Namespace) -> float:
    """Server CPU microseconds per request for the server in ``src``."""
    port = free_port()
    env = dict(
        os.environ,
        PYTHONPATH=src,
        TONGZHOU_DATABASE_URL=url,
        TONGZHOU_TAXII_MIGRATE="0",
        TONGZHOU_TAXII_VALIDATION_PROCESSES="0",
    )
    command = [sys.executable, "-m", "uvicorn", "--factory", "tongzhou.threats.server:app_from_env"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(command, env=env)
    headers = {"Accept": TAXII, "Authorization": f"Token {key}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port)
                conn.request("GET", "/taxii2/", headers=headers)
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)

        def send(count: int) -> None:
            for _ in range(count):
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status}: {body[:200]!r}")

        send(args.warmup)
        before = cpu_seconds(proc.pid)
        send(args.requests)
        return (cpu_seconds(proc.pid) - before) / args.requests * 1e6
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--anchor-src", help="another tree's src directory to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="server starts per tree (alternated)")
    parser.add_argument("--requests", type=int, default=3000, help="measured requests per round")
    parser.add_argument("--warmup", type=int, default=300, help="unmeasured requests per round first")
    parser.add_argument("--objects", type=int, default=1000, help="objects in the collection")
    parser.add_argument("--path", default="manifest/?limit=1", help="path under the collection")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        collection_id, key = prepare(url, args.objects)
        path = f"/tongzhou/collections/{collection_id}/{args.path}"
        trees = {"this": str(SRC)} | ({"anchor": args.anchor_src} if args.anchor_src else {})
        figures: dict[str, list[float]] = {name: [] for name in trees}
        for round_no in range(args.rounds):
            for name, src in trees.items():
                figures[name].append(measure(src, url, path, key, args))
                print(f"round {round_no + 1} {name:6s} {figures[name][-1]:7.1f} µs CPU/request", flush=True)
    each = f"median of {args.rounds}, {args.requests} requests each"
    print(f"\nGET {args.path}: server CPU per request ({each})")
    for name, values in figures.items():
        print(f"  {name:6s} {statistics.median(values):7.1f} µs  ({', '.join(f'{v:.1f}' for v in values)})")
    if "anchor" in figures:
        ratio = statistics.median(figures["this"]) / statistics.median(figures["anchor"])
        print(f"  ratio this/anchor: {ratio:.2f}")


if __name__ == "__main__":
    main()
