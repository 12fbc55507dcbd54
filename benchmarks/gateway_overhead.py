"""Gateway overhead: added latency (p50/p99) and throughput through the gateway vs direct to a fast
stub upstream.

    .venv/bin/python benchmarks/gateway_overhead.py [--rounds 5] [--requests 500] [--seconds 3] [--stacks]

Anchor: the same requests sent directly to the stub upstream (tongzhou.gateway.stub_upstream), in the
same run. Goal (issue 7): <= 1 ms added at p50 with concurrency 1; >= 80 % of direct throughput at 64.
The stub, the gateway and this load generator are separate processes on the same machine, so on a
small machine they compete for cores: the figures include that contention, and say how many cores.

``--stacks`` also measures three bare pass-through proxies without any governance: the gateway's own
HTTP stack (tongzhou.gateway.http_server + upstream_pool, the floor of what governance can cost on
top), raw aiohttp server + pooled aiohttp client, FastAPI/uvicorn + pooled httpx client: the evidence
for the gateway's stack.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

BODY = json.dumps(
    {"model": "stub-model", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 16}
).encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}) before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


@contextmanager
def process(
    args: list[str], ready_url: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})}
    )
    try:
        wait_ready(ready_url, proc)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def sequential(url: str, n: int) -> list[float]:
    """Latencies (ms) of ``n`` requests one after another on one keep-alive connection."""
    out: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
        for i in range(n + 50):
            started = time.perf_counter()
            async with session.post(url, data=BODY, headers={"Content-Type": "application/json"}) as r:
                await r.read()
                assert r.status == 200, r.status
            if i >= 50:  # warm-up excluded
                out.append((time.perf_counter() - started) * 1000)
    return out


async def concurrent(url: str, workers: int, seconds: float) -> tuple[float, list[float]]:
    """(requests per second, latencies ms) with ``workers`` clients for ``seconds``."""
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=workers)) as session:

        async def one() -> None:
            async with session.post(url, data=BODY, headers={"Content-Type": "application/json"}) as r:
                await r.read()
                assert r.status == 200, r.status

        await asyncio.gather(*(one() for _ in range(workers * 4)))  # warm-up: open the connections
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await one()
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(url: str, n: int, seconds: float, pid: int | None = None) -> dict[str, float]:
    cpu_before = cpu_seconds(pid) if pid else 0.0
    seq = asyncio.run(sequential(url, n))
    rps, lat = asyncio.run(concurrent(url, 64, seconds))
    requests = n + 50 + 64 * 4 + len(lat)
    cpu_us = (cpu_seconds(pid) - cpu_before) / requests * 1e6 if pid else float("nan")
    print(f"  measured {url}: p50 c1 {percentile(seq, 0.5):.3f} ms, {rps:.0f} req/s at c64", file=sys.stderr)
    return {
        "cpu_us": cpu_us,
        "p50_c1": percentile(seq, 0.5),
        "p99_c1": percentile(seq, 0.99),
        "p50_c64": percentile(lat, 0.5),
        "p99_c64": percentile(lat, 0.99),
        "rps_c64": rps,
    }


def serve_alt(kind: str, port: int, upstream: str) -> None:
    """A bare pass-through proxy (no governance), for the stack comparison."""
    if kind == "lean":
        import uvloop

        from tongzhou.gateway.gateway_request import GatewayRequest
        from tongzhou.gateway.http_server import ClientConnection
        from tongzhou.gateway.http_wire import end_to_end
        from tongzhou.gateway.upstream_pool import UpstreamPool

        async def serve_lean() -> None:
            pool = UpstreamPool(upstream, timeout=600)
            drop = frozenset({b"host", b"content-length", b"accept-encoding", b"expect"})

            async def handler(request: GatewayRequest, reply: ClientConnection) -> None:
                if request.path == "/health":
                    reply.send_json(200, {"ok": True})
                    return
                head = b"%b %b/%b HTTP/1.1\r\n%b%bContent-Length: %d\r\n\r\n" % (
                    request.method.encode(),
                    pool.prefix,
                    request.path[4:].encode("latin-1"),
                    pool.host_header,
                    end_to_end(request.headers, drop),
                    len(request.body),
                )
                answer = await pool.send(head + request.body)
                reply.send(
                    answer.status, end_to_end(answer.headers, frozenset({b"content-length"})), answer.body
                )

            connections: set[ClientConnection] = set()
            loop = asyncio.get_running_loop()
            await loop.create_server(
                lambda: ClientConnection(handler, 1 << 22, connections), "127.0.0.1", port
            )
            await asyncio.Event().wait()

        uvloop.run(serve_lean())
    elif kind == "aiohttp":
        from aiohttp import web

        async def startup(app: web.Application) -> None:
            app["session"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

        async def handler(request: web.Request) -> web.Response:
            body = await request.read()
            async with request.app["session"].post(
                f"{upstream}/{request.match_info['tail']}",
                data=body,
                headers={"Content-Type": "application/json"},
            ) as r:
                return web.Response(body=await r.read(), status=r.status, content_type="application/json")

        app = web.Application()
        app.on_startup.append(startup)
        app.router.add_route("*", "/v1/{tail:.*}", handler)

        async def health(_request: web.Request) -> web.Response:
            return web.json_response({"ok": True})

        app.router.add_get("/health", health)
        import uvloop

        uvloop.install()
        web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
    else:
        import httpx
        import uvicorn
        from fastapi import FastAPI, Request, Response

        # This file uses postponed annotations; FastAPI resolves them in the module's globals.
        globals().update(Request=Request, Response=Response)
        fast = FastAPI()
        client = httpx.AsyncClient(limits=httpx.Limits(max_connections=None, max_keepalive_connections=200))

        @fast.api_route("/v1/{tail:path}", methods=["GET", "POST"])
        async def passthrough(tail: str, request: Request) -> Response:
            r = await client.post(
                f"{upstream}/{tail}",
                content=await request.body(),
                headers={"Content-Type": "application/json"},
            )
            return Response(r.content, status_code=r.status_code, media_type="application/json")

        @fast.get("/health")
        async def health() -> dict[str, bool]:
            return {"ok": True}

        uvicorn.run(fast, host="127.0.0.1", port=port, log_level="error", access_log=False, loop="uvloop")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=500, help="sequential requests per round (c=1)")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration per round at concurrency 64")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; each figure is the median")
    parser.add_argument(
        "--stacks",
        action="store_true",
        help="also measure bare pass-through proxies: the gateway's own HTTP stack, aiohttp, FastAPI+httpx",
    )
    parser.add_argument("--serve-alt", choices=["lean", "aiohttp", "fastapi"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_alt:
        serve_alt(args.serve_alt, args.port, args.upstream)
        return
    py = sys.executable
    stub_port, gw_port, gwl_port = free_port(), free_port(), free_port()
    upstream = f"http://127.0.0.1:{stub_port}/v1"
    home = Path(tempfile.mkdtemp(prefix="tongzhou-bench-"))
    plain = home / "plain.yaml"
    plain.write_text("labels: {explicit: false, implicit: false}\n")
    labelled = home / "labelled.yaml"
    labelled.write_text(
        f"labels: {{explicit: true, implicit: true}}\naudit: {{dir: {home / 'audit2'}}}\n"
        f"halt: {{state_file: {home / 'state2.json'}}}\n"
    )
    env = {"TONGZHOU_HOME": str(home)}
    load = os.getloadavg()
    gateway_cmd = [py, "-m", "tongzhou.cli.main", "gateway", "serve", "--upstream", upstream]
    # Every server runs for the whole benchmark (an idle one costs nothing); the configurations are
    # measured in turn, round after round, and each figure is the median over rounds, so a change
    # in the machine's load during the run affects every configuration alike.
    servers: list[tuple[str, list[str], str, dict[str, str] | None, str]] = [
        (
            "gateway: halt check + audit",
            [*gateway_cmd, "--port", str(gw_port), "--policy", str(plain)],
            f"http://127.0.0.1:{gw_port}/governance/health",
            env,
            f"http://127.0.0.1:{gw_port}/v1",
        ),
        (
            "gateway: + GB 45438 labels",
            [*gateway_cmd, "--port", str(gwl_port), "--policy", str(labelled)],
            f"http://127.0.0.1:{gwl_port}/governance/health",
            env,
            f"http://127.0.0.1:{gwl_port}/v1",
        ),
    ]
    if args.stacks:
        for kind in ("lean", "aiohttp", "fastapi"):
            port = free_port()
            servers.append(
                (
                    f"bare {kind} pass-through",
                    [py, __file__, "--serve-alt", kind, "--port", str(port), "--upstream", upstream],
                    f"http://127.0.0.1:{port}/health",
                    None,
                    f"http://127.0.0.1:{port}/v1",
                )
            )
    rounds: dict[str, list[dict[str, float]]] = {"direct (anchor)": []}
    with contextlib.ExitStack() as stack:
        stack.enter_context(
            process(
                [py, "-m", "tongzhou.gateway.stub_upstream", "--port", str(stub_port)], f"{upstream}/models"
            )
        )
        targets: list[tuple[str, str, int | None]] = [("direct (anchor)", upstream, None)]
        for name, cmd, ready, server_env, base in servers:
            proc = stack.enter_context(process(cmd, ready, server_env))
            targets.append((name, base, proc.pid))
            rounds[name] = []
        for number in range(args.rounds):
            print(f"round {number + 1}/{args.rounds}", file=sys.stderr)
            for name, base, pid in targets:
                rounds[name].append(measure(f"{base}/chat/completions", args.requests, args.seconds, pid))
        # One more anchor measurement closes the last round: each configuration's throughput is
        # compared with the mean of the anchor runs just before and just after it, so that the
        # other load on the machine, which moves the anchor most (it has two processes on two
        # cores, the proxied paths three), changes both sides of each ratio alike.
        closing = measure(f"{upstream}/chat/completions", args.requests, args.seconds)
    anchors = [r["rps_c64"] for r in rounds["direct (anchor)"]] + [closing["rps_c64"]]
    bracket = [(anchors[i] + anchors[i + 1]) / 2 for i in range(args.rounds)]
    ratios = {
        name: sorted(r["rps_c64"] / bracket[i] for i, r in enumerate(runs)) for name, runs in rounds.items()
    }
    results = {
        name: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for name, runs in rounds.items()
    }
    anchor = results["direct (anchor)"]
    print(f"load average before the run: {load[0]:.2f} (1 min), {load[1]:.2f} (5 min)")
    print(
        f"gateway overhead vs direct to the stub upstream ({os.cpu_count()} CPU cores shared by the stub, "
        f"the proxy and the load generator; medians of {args.rounds} rounds of {args.requests} sequential "
        f"requests and {args.seconds:g} s at c=64; 'vs direct': median and range over the rounds of the "
        f"throughput against the anchor runs just before and after)"
    )
    print(
        f"{'configuration':34} {'p50 c1':>8} {'added':>8} {'p99 c1':>8} {'p50 c64':>8} {'p99 c64':>8} "
        f"{'req/s c64':>10} {'vs direct':>9} {'(range)':>13} {'proxy CPU/req':>13}"
    )
    for name, r in results.items():
        print(
            f"{name:34} {r['p50_c1']:7.3f}ms {r['p50_c1'] - anchor['p50_c1']:+7.3f}ms {r['p99_c1']:7.3f}ms "
            f"{r['p50_c64']:7.2f}ms {r['p99_c64']:7.2f}ms {r['rps_c64']:10.0f} "
            f"{statistics.median(ratios[name]):8.1%} "
            f"{f'{ratios[name][0]:.0%}–{ratios[name][-1]:.0%}':>13} "
            + (f"{r['cpu_us']:11.0f}us" if r["cpu_us"] == r["cpu_us"] else f"{'(no proxy)':>13}")
        )
    print("goal: added p50 at c1 <= 1 ms; throughput at c64 >= 80 % of direct")


if __name__ == "__main__":
    main()
