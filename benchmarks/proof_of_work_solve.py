"""How long a browser takes to solve the portal's proof-of-work spam check, beside two anchors.

    PYTHONPATH=src python benchmarks/proof_of_work_solve.py [--challenges 10] [--max-number 300000]

Our figure: ``static/js/proof-of-work.js`` (plain-JavaScript SHA-256) solving ``--challenges`` fresh
challenges of the site's difficulty in Debian's headless Chromium, each timed in the page. Anchors in
the same run and browser: the same search with WebCrypto's ``crypto.subtle.digest`` (what ALTCHA's
own widget uses; available only in secure contexts, here 127.0.0.1), and the same search in CPython
with ``hashlib.sha256`` (OpenSSL). Printed: median and maximum seconds per challenge, hashes per
second (the numbers tried / time), and our hashes/s as a ratio of each anchor. The secret number is
uniform in ``[0, max]``, so a challenge costs ``max / 2`` hashes on average; the medians move with
which numbers were drawn, the hashes/s do not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

_SUBTLE = """
async (c) => {
  const enc = new TextEncoder();
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
  for (let n = 0; n <= c.maxnumber; n++) {
    if (hex(await crypto.subtle.digest("SHA-256", enc.encode(c.salt + n))) === c.challenge) return n;
  }
  return -1;
}
"""
_OURS = """
async (c) => {
  const m = await import('/static/js/proof-of-work.js');
  const payload = await m.solve(c);
  return JSON.parse(atob(payload)).number;
}
"""


def _python_solve(challenge: dict[str, object]) -> int:
    salt, target = str(challenge["salt"]), str(challenge["challenge"])
    for n in range(int(challenge["maxnumber"]) + 1):  # type: ignore[call-overload]
        if hashlib.sha256(f"{salt}{n}".encode()).hexdigest() == target:
            return n
    return -1


def _report(name: str, seconds: list[float], tried: list[int]) -> float:
    rate = sum(tried) / sum(seconds)
    print(
        f"{name:34} median {statistics.median(seconds):6.3f} s  max {max(seconds):6.3f} s  "
        f"{rate / 1e6:6.2f} M hashes/s"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--challenges", type=int, default=10)
    parser.add_argument("--max-number", type=int, default=300_000)
    args = parser.parse_args()

    import os

    os.environ["TONGZHOU_HOME"] = tempfile.mkdtemp(prefix="pow-bench-")
    os.environ.pop("TONGZHOU_DATABASE_URL", None)
    from tests.conftest import free_port
    from tests.threats.conftest import ThreadedServer

    from tongzhou.portal.proof_of_work import ProofOfWork
    from tongzhou.portal.service import create_service
    from tongzhou.reports.browser import chromium_page
    from tongzhou.store import open_store

    store = open_store()
    pow_ = ProofOfWork(store, b"benchmark-key" * 3, max_number=args.max_number)
    challenges = [pow_.issue("report").to_dict() for _ in range(args.challenges)]
    port = free_port()
    server = ThreadedServer(create_service(store), port)
    server.start()
    results: dict[str, tuple[list[float], list[int]]] = {}
    try:
        with chromium_page() as page:
            page.goto(f"http://127.0.0.1:{port}/")
            for name, script in (
                ("ours (plain JS, Chromium)", _OURS),
                ("WebCrypto subtle (Chromium)", _SUBTLE),
            ):
                seconds, tried = [], []
                for challenge in challenges:
                    started = page.evaluate("() => performance.now()")
                    number = page.evaluate(script, challenge)
                    seconds.append((page.evaluate("() => performance.now()") - started) / 1000)
                    tried.append(number + 1)
                results[name] = (seconds, tried)
    finally:
        server.stop()
        store.close()
    seconds, tried = [], []
    for challenge in challenges:
        started = time.perf_counter()
        tried.append(_python_solve(challenge) + 1)
        seconds.append(time.perf_counter() - started)
    results["CPython hashlib (OpenSSL)"] = (seconds, tried)
    print(f"{args.challenges} challenges, secret number uniform in [0, {args.max_number:,}]")
    rates = {name: _report(name, *values) for name, values in results.items()}
    ours = rates["ours (plain JS, Chromium)"]
    for name, rate in rates.items():
        if not name.startswith("ours"):
            print(f"ours / {name}: {ours / rate:.2f}x hashes/s")
    print(json.dumps({k: round(v) for k, v in rates.items()}))


if __name__ == "__main__":
    main()
