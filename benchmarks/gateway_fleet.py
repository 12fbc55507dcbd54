"""Gateway fleet: throughput at c=64 with N workers, and halt latency under load across the workers.

    .venv/bin/python benchmarks/gateway_fleet.py [--workers 1,2] [--seconds 5] [--orders 20]

- **Throughput at c=64 with N workers** (`tongzhou gateway --workers N`, labels off, halt ledger in
  SQLite) beside the anchor, the same requests sent directly to the stub upstream in the same run,
  and the scaling factor N workers / 1 worker.
- **Halt latency under load** (issue 23's goal: <= 1 s, p99 of 20 orders): with the largest N and
  64 clients sending chat completions without pause, a PAUSE is POSTed on a separate connection
  (so any worker may take it); latency = the last moment a request *sent after the order was
  accepted* still got 200 (a worker not yet halted), minus the moment the acceptance answer
  arrived; 0 when none did. Each order is followed by a RESUME and a return to full service.

The stub, the gateway workers and this load generator (one process) share the machine's cores:
on a 2-core machine neither the workers nor the generator can scale, and the script says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

BODY = json.dumps(
    {"model": "stub-model", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 16}
).encode()
HEADERS = {"Content-Type": "application/json"}
CLIENTS = 64


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def process(
    args: list[str], ready: str, env: dict[str, str], log: Path, banner: str | None = None
) -> Iterator[None]:
    with log.open("ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{args[2:5]} did not start: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(ready, timeout=2):
                    if banner is None or banner in log.read_text(errors="replace"):
                        break
            except OSError:
                pass
            time.sleep(0.2)
        yield
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


async def throughput(url: str, seconds: float) -> float:
    """Requests per second with :data:`CLIENTS` keep-alive clients for ``seconds``."""
    done = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CLIENTS)) as session:

        async def one() -> None:
            async with session.post(url, data=BODY, headers=HEADERS) as r:
                await r.read()
                assert r.status == 200, r.status

        await asyncio.gather(*(one() for _ in range(CLIENTS * 4)))  # warm-up: open the connections
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await one()
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CLIENTS)))
        return done / (time.perf_counter() - started)


async def halt_latencies(base: str, orders: list[tuple[bytes, bytes]]) -> list[float]:
    """For each (PAUSE, RESUME) pair: seconds from the PAUSE's acceptance to the last 200 answer to a
    request sent after it (under :data:`CLIENTS` clients), across every worker."""
    log: list[tuple[float, float, int]] = []  # (sent, answered, status)
    stop = False
    url = f"{base}/v1/chat/completions"
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as session, aiohttp.ClientSession() as control:

        async def client() -> None:
            while not stop:
                sent = time.perf_counter()
                try:
                    async with session.post(url, data=BODY, headers=HEADERS) as r:
                        await r.read()
                        status = r.status
                except aiohttp.ClientError:
                    status = 0
                log.append((sent, time.perf_counter(), status))

        async def post(envelope: bytes) -> float:
            async with control.post(
                f"{base}/governance/halt-orders", data=envelope, headers={**HEADERS, "Connection": "close"}
            ) as r:
                body = await r.text()
                assert r.status == 200, body
            return time.perf_counter()

        async def settled(status: int, seconds: float = 1.0) -> None:
            """Wait until every answer of the last ``seconds`` had ``status`` (all workers agree)."""
            while True:
                await asyncio.sleep(0.1)
                now = time.perf_counter()
                recent = [s for sent, _a, s in log if sent > now - seconds]
                if len(recent) > 20 and all(s == status for s in recent):
                    return

        clients = [asyncio.create_task(client()) for _ in range(CLIENTS)]
        await settled(200)
        latencies: list[float] = []
        for pause, resume in orders:
            accepted = await post(pause)
            await settled(503)
            late = [answered for sent, answered, s in log if sent >= accepted and s == 200]
            latencies.append(max(late) - accepted if late else 0.0)
            await post(resume)
            await settled(200)
            del log[:]
        stop = True
        await asyncio.gather(*clients)
    return latencies


def signed_orders(count: int) -> list[tuple[bytes, bytes]]:
    from tongzhou.attest import KeyRing
    from tongzhou.gateway.halt_order import HaltOrder

    key = KeyRing().private_key("regulator")
    pairs = []
    for i in range(count):
        pause = HaltOrder.create("PAUSE", "all", "bench-regulator", f"benchmark order {i}")
        resume = HaltOrder.create(
            "RESUME", "all", "bench-regulator", f"benchmark resume {i}", lifts=(pause.order_id,)
        )
        pairs.append((json.dumps(pause.sign(key)).encode(), json.dumps(resume.sign(key)).encode()))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, e.g. 1,2,4")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per throughput measurement")
    parser.add_argument("--orders", type=int, default=20, help="halt orders for the latency figure")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    home = Path(tempfile.mkdtemp(prefix="tongzhou-fleet-"))
    os.environ["TONGZHOU_HOME"] = str(home)
    os.environ.pop("TONGZHOU_DATABASE_URL", None)
    from tongzhou.attest import KeyRing

    KeyRing().generate("regulator")
    policy = home / "gateway.yaml"
    policy.write_text(
        "labels: {explicit: false, implicit: false}\n"
        "halt:\n  trust: [{issuer: bench-regulator, key: regulator}]\n"
        f"  ledger: {{url: 'sqlite:///{home / 'ledger.db'}'}}\n"
    )
    env = {"TONGZHOU_HOME": str(home)}
    py = sys.executable
    stub_port = free_port()
    upstream = f"http://127.0.0.1:{stub_port}/v1"
    load = os.getloadavg()
    rows: list[tuple[int, float, float]] = []
    latencies: list[float] = []
    stub = [py, "-m", "tongzhou.gateway.stub_upstream", "--port", str(stub_port)]
    with process(stub, f"{upstream}/models", env, home / "stub.log"):
        for n in counts:
            port = free_port()
            cmd = [
                py,
                "-m",
                "tongzhou.cli.main",
                "gateway",
                "serve",
                "--upstream",
                upstream,
                "--policy",
                str(policy),
            ]
            cmd += ["--port", str(port), "--workers", str(n)]
            base = f"http://127.0.0.1:{port}"
            with process(
                cmd, f"{base}/governance/health", env, home / f"gateway-{n}.log", "tongzhou gateway on"
            ):
                direct = asyncio.run(throughput(f"{upstream}/chat/completions", args.seconds))
                proxied = asyncio.run(throughput(f"{base}/v1/chat/completions", args.seconds))
                rows.append((n, proxied, direct))
                print(
                    f"workers={n}: {proxied:.0f} req/s through the gateway, {direct:.0f} direct",
                    file=sys.stderr,
                )
                if n == max(counts) and args.orders:
                    latencies = asyncio.run(halt_latencies(base, signed_orders(args.orders)))
    cores = os.cpu_count()
    print(
        f"\nmachine: {cores} cores, load average before the run {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )
    print(
        f"throughput at c={CLIENTS} (stub upstream, labels off, halt ledger in SQLite, "
        f"{args.seconds:g} s each)\n"
    )
    print(
        "| workers | req/s through the gateway | req/s direct (anchor, same moment) | vs direct "
        "| scaling vs 1 worker |"
    )
    print("|---|---|---|---|---|")
    one = rows[0][1]
    for n, proxied, direct in rows:
        print(
            f"| {n} | {proxied:.0f} | {direct:.0f} | {100 * proxied / direct:.1f} % | {proxied / one:.2f}× |"
        )
    if latencies:
        ordered = sorted(latencies)
        p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
        print(
            f"\nhalt latency under load ({max(counts)} workers, c={CLIENTS}, {len(latencies)} orders): "
            f"p50 {1000 * statistics.median(latencies):.0f} ms, p99 {1000 * p99:.0f} ms, "
            f"max {1000 * max(latencies):.0f} ms (goal <= 1000 ms)"
        )
    if cores is not None and cores <= 2:
        print(
            f"\nOn {cores} cores the stub, every worker and this load generator share the same CPUs: "
            "adding workers cannot add CPU, so the scaling factor here shows the cost of more "
            "processes, not what workers add on a machine with a core per worker."
        )


if __name__ == "__main__":
    main()
