"""HTTP Basic on the TAXII server: does the answer's time tell which users exist, and does a
wrong-password flood slow other clients down? (issue 20, item 8)

One server (uvicorn in a thread, SQLite) with the test principals. Prints the median time of a
401 for an existing user with a wrong password and for an unknown user (issue 20 measured 79.8 ms
against 3.6 ms before they did the same work), then the median time of an API-key GET idle and
during a flood of wrong Basic passwords from ``--flood-threads`` clients (issue 20: ~8 ms →
45–150 ms). The flood's clients run in this process too, so they share its interpreter lock with
the server: read the flood figure as an upper bound.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/taxii_auth_timing.py``.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402
from tests.threats.conftest import ThreadedServer, make_principals  # noqa: E402

from tongzhou.store import open_store  # noqa: E402
from tongzhou.threats.server import ServerConfig, create_app  # noqa: E402


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _median_ms(client: httpx.Client, url: str, headers: list[dict[str, str]]) -> float:
    times = []
    for header in headers:
        start = time.perf_counter()
        client.get(url, headers=header)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--flood-threads", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/auth.db")
        _, _, made = make_principals(store)
        port = free_port()
        server = ThreadedServer(create_app(store, ServerConfig()), port)
        server.start()
        url = f"http://127.0.0.1:{port}/tongzhou/collections/{made['shared'].id}/objects/"
        try:
            with httpx.Client() as client:
                for user in ("writer", "nobody-here"):
                    wrong = [_basic(user, f"wrong {i}") for i in range(args.requests)]
                    print(f"401 for {user!r:14} (wrong password): {_median_ms(client, url, wrong):6.1f} ms")
                key = [{"Authorization": f"Bearer {made['reader_key']}"}] * args.requests
                idle = _median_ms(client, url, key)
                stop = threading.Event()

                def flood(n: int) -> None:
                    with httpx.Client() as flooder:
                        i = 0
                        while not stop.is_set():
                            i += 1
                            flooder.get(url, headers=_basic("writer", f"flood {n} {i}"))

                threads = [threading.Thread(target=flood, args=(n,)) for n in range(args.flood_threads)]
                for thread in threads:
                    thread.start()
                time.sleep(1.0)
                flooded = _median_ms(client, url, key)
                stop.set()
                for thread in threads:
                    thread.join()
                print(f"API-key GET: {idle:.1f} ms idle, {flooded:.1f} ms during the flood")
        finally:
            server.stop()
            store.close()


if __name__ == "__main__":
    main()
