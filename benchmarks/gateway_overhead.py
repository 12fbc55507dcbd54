"""Gateway overhead: added latency (p50/p99) and throughput through the gateway vs direct to a fast
stub upstream, and CPU per proxied request beside nginx and the LiteLLM proxy.

    .venv/bin/python benchmarks/gateway_overhead.py [--rounds 5] [--requests 500] [--seconds 3] [--stacks]
        [--cpu-requests 1000] [--cpu-concurrency 8] [--no-anchors]

Anchor: the same requests sent directly to the stub upstream (tongzhou.gateway.stub_upstream), in the
same run. Goal (issue 7): <= 1 ms added at p50 with concurrency 1; >= 80 % of direct throughput at 64.
The stub, the gateway and this load generator are separate processes on the same machine, so on a
small machine they compete for cores: the figures include that contention, and say how many cores.

CPU per proxied request (issue 23): the process CPU time (user + system, from /proc, of the proxy
and every process under it) divided by the requests it answered, non-streaming and streaming, for
the gateway (labels off and on), nginx ``proxy_pass`` (Debian package ``nginx``, listed in
benchmarks/system-packages.txt; the floor of a production reverse proxy) and the LiteLLM proxy
(from PyPI, in its own virtual environment under ~/.cache/tongzhou-bench/litellm, created on first
use so the project's environment is untouched). All of them forward to the same stub upstream in
the same run. Goals: the gateway <= 2x nginx and <= 1/10 of LiteLLM. On a small shared machine
CPU time is the figure that holds; latencies and throughput move with everyone else's load.

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
import secrets
import shutil
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


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
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


# ---- CPU per proxied request: the gateway beside nginx and the LiteLLM proxy (issue 23) ----------

LITELLM_REQUIREMENT = "litellm[proxy]==1.108.7"
"""The LiteLLM proxy measured (the version of the recorded figures; docs/gateway.md)."""
LITELLM_VENV = Path(
    os.environ.get("TONGZHOU_BENCH_LITELLM_VENV", Path.home() / ".cache" / "tongzhou-bench" / "litellm")
)
BENCH_KEY = "sk-tongzhou-bench-" + secrets.token_hex(12)
"""LiteLLM's proxy refuses to start without a master key; every target gets it, only LiteLLM reads it."""
STREAM_BODY = json.dumps(
    {
        "model": "stub-model",
        "messages": [{"role": "user", "content": "Say hello."}],
        "max_tokens": 16,
        "stream": True,
    }
).encode()


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and every live process under it, plus what its reaped
    children used (nginx answers from worker processes, LiteLLM may start some)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent and child not in tree]
        tree.update(children)
        frontier.extend(children)
    total = 0.0
    for member in tree:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            if member == pid:
                total += int(fields[13]) + int(fields[14])
    return total / os.sysconf("SC_CLK_TCK")


async def drive(url: str, requests: int, concurrency: int, stream: bool) -> None:
    """Send ``requests`` chat completions (streamed or not) with ``concurrency`` clients; every
    answer must be a 200, and a stream must end with ``[DONE]``."""
    body = STREAM_BODY if stream else BODY
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {BENCH_KEY}"}
    remaining = requests
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with session.post(url, data=body, headers=headers) as r:
                    answer = await r.read()
                    assert r.status == 200, (url, r.status, answer[:200])
                    assert not stream or b"[DONE]" in answer, (url, answer[-200:])

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def cpu_per_request(url: str, pid: int, requests: int, concurrency: int, stream: bool) -> float:
    """Microseconds of the proxy's CPU per request, after a warm-up of ``concurrency * 4``."""
    asyncio.run(drive(url, concurrency * 4, concurrency, stream))
    before = tree_cpu_seconds(pid)
    asyncio.run(drive(url, requests, concurrency, stream))
    return (tree_cpu_seconds(pid) - before) / requests * 1e6


async def interleaved(urls: dict[str, str], n: int) -> dict[str, list[float]]:
    """Latencies (ms) at concurrency 1, one request to each target in turn, ``n`` rounds (after 50
    of warm-up), each target on its own keep-alive connection: a change in the machine's load
    during the run falls on every target alike, which sequential blocks per target do not give."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {BENCH_KEY}"}
    out: dict[str, list[float]] = {name: [] for name in urls}
    sessions = {name: aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) for name in urls}
    try:
        for i in range(n + 50):
            for name, url in urls.items():
                started = time.perf_counter()
                async with sessions[name].post(url, data=BODY, headers=headers) as r:
                    await r.read()
                    assert r.status == 200, (url, r.status)
                if i >= 50:
                    out[name].append((time.perf_counter() - started) * 1000)
    finally:
        for session in sessions.values():
            await session.close()
    return out


def report_added_p50(latencies: dict[str, list[float]]) -> None:
    """Print the added p50 at c=1 of every proxy over direct, from the interleaved run."""
    direct = percentile(latencies["direct (anchor)"], 0.5)
    n = len(latencies["direct (anchor)"])
    print()
    print(
        f"added p50 at c=1 (the targets in turn, {n} requests each on one keep-alive connection, "
        f"same run; direct to the stub: p50 {direct:.3f} ms):"
    )
    for name, values in latencies.items():
        if name == "direct (anchor)":
            continue
        added = percentile(values, 0.5) - direct
        goal = f"  goal <= 1 ms: {'met' if added <= 1 else 'NOT met'}" if name.startswith("gateway") else ""
        print(f"  {name:34} p50 {percentile(values, 0.5):7.3f} ms  added {added:+.3f} ms{goal}")


def nginx_server(home: Path, port: int, stub_port: int) -> list[str] | None:
    """The command of an nginx ``proxy_pass`` in front of the stub, or None (with how to install it)."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        print(
            "nginx not found: the nginx anchor is skipped. Install it with `apt-get install -y nginx` "
            "(benchmarks/system-packages.txt lists it).",
            file=sys.stderr,
        )
        return None
    root = home / "nginx"
    root.mkdir(exist_ok=True)
    # As deployed in front of an OpenAI-compatible server: keep-alive to the upstream, no buffering
    # (so streams flow), access log on (the gateway audits every request too). One worker, as the
    # gateway is one process.
    conf = root / "nginx.conf"
    conf.write_text(
        f"""daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log {root}/access.log;
  client_body_temp_path {root}/body;
  proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fastcgi;
  uwsgi_temp_path {root}/uwsgi;
  scgi_temp_path {root}/scgi;
  upstream stub {{ server 127.0.0.1:{stub_port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port};
    location = /health {{ return 200 'ok'; }}
    location /v1/ {{
      proxy_pass http://stub;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }}
  }}
}}
"""
    )
    return [binary, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log")]


def litellm_python() -> Path | None:
    """The LiteLLM proxy's own virtual environment, created with pip on first use (never the
    project's .venv); None if it cannot be made."""
    python = LITELLM_VENV / "bin" / "python"
    probe = [str(python), "-c", "import litellm.proxy.proxy_server"]
    if python.exists() and subprocess.run(probe, capture_output=True, env=litellm_env()).returncode == 0:
        return python
    print(f"creating {LITELLM_VENV} with {LITELLM_REQUIREMENT} (first use; a few minutes)", file=sys.stderr)
    base = getattr(sys, "_base_executable", sys.executable)
    made = subprocess.run([base, "-m", "venv", str(LITELLM_VENV)]).returncode == 0 and (
        subprocess.run([str(python), "-m", "pip", "install", "-q", LITELLM_REQUIREMENT]).returncode == 0
    )
    if not made:
        print(
            f"cannot install {LITELLM_REQUIREMENT} into {LITELLM_VENV}: the LiteLLM anchor is skipped",
            file=sys.stderr,
        )
        return None
    return python


def litellm_env() -> dict[str, str]:
    # The local copy of its model price map (no fetch from the internet), quiet logs, no telemetry.
    return {
        **os.environ,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOG": "ERROR",
        "LITELLM_MASTER_KEY": BENCH_KEY,
    }


def litellm_server(home: Path, port: int, upstream: str) -> list[str] | None:
    """The command of a LiteLLM proxy in front of the stub (an OpenAI-compatible model), or None."""
    python = litellm_python()
    if python is None:
        return None
    conf = home / "litellm.yaml"
    conf.write_text(
        "model_list:\n"
        "  - model_name: stub-model\n"
        f"    litellm_params: {{model: openai/stub-model, api_base: '{upstream}', api_key: none}}\n"
        "litellm_settings: {telemetry: false}\n"
    )
    litellm = python.parent / "litellm"
    return [str(litellm), "--config", str(conf), "--host", "127.0.0.1", "--port", str(port)]


def litellm_version(python: Path) -> str:
    out = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or "?"


def ratio(ours: float, anchor: float | None) -> str:
    return f"{ours / anchor:.2f}x" if anchor else "n/a"


def report_cpu(
    cpu: dict[str, dict[str, list[float]]], anchors: dict[str, str], requests: int, concurrency: int
) -> None:
    """Print the CPU-per-request table: each figure beside nginx's and LiteLLM's, as ratios."""
    medians = {name: {mode: statistics.median(v) for mode, v in runs.items()} for name, runs in cpu.items()}
    nginx = medians.get(anchors.get("nginx", ""))
    litellm = medians.get(anchors.get("litellm", ""))
    rounds = len(next(iter(cpu.values()))["plain"])
    print()
    print(
        f"CPU per proxied request: process CPU time (user + system, the proxy and its child processes) / "
        f"requests; {requests} requests (streaming: {requests // 2}; LiteLLM a fifth) at concurrency "
        f"{concurrency}, median "
        f"of {rounds} rounds, same stub upstream. {os.cpu_count()} cores shared by the stub, the proxies "
        f"and the load generator: CPU time is the defensible figure here, latency and throughput are not."
    )
    print(
        f"{'proxy':34} {'non-streaming':>13} {'vs nginx':>9} {'vs LiteLLM':>10} "
        f"{'streaming':>13} {'vs nginx':>9} {'vs LiteLLM':>10}"
    )
    for name, figures in medians.items():
        cells = []
        for mode in ("plain", "stream"):
            value = figures[mode]
            cells.append(
                f"{value:11.0f}us {ratio(value, nginx and nginx[mode]):>9} "
                f"{ratio(value, litellm and litellm[mode]):>10}"
            )
        print(f"{name:34} {cells[0]} {cells[1]}")
    print("goals: gateway <= 2x nginx (ratio <= 2.00); gateway <= 1/10 of LiteLLM (ratio <= 0.10)")


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
    parser.add_argument(
        "--cpu-requests",
        type=int,
        default=2000,
        help="requests per CPU round (streaming: half as many; LiteLLM, at ~100x the CPU, a fifth)",
    )
    parser.add_argument("--cpu-concurrency", type=int, default=8, help="clients in the CPU rounds")
    parser.add_argument("--cpu-rounds", type=int, default=3, help="CPU rounds; each figure is the median")
    parser.add_argument(
        "--no-anchors", action="store_true", help="CPU per request without nginx and LiteLLM beside it"
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
    # CPU per request: the gateway's two configurations, and the anchors in front of the same stub.
    cpu_servers: list[tuple[str, list[str], str, dict[str, str] | None, str]] = []
    anchor_names: dict[str, str] = {}
    if not args.no_anchors:
        nginx_port, litellm_port = free_port(), free_port()
        nginx_cmd = nginx_server(home, nginx_port, stub_port)
        if nginx_cmd is not None:
            anchor_names["nginx"] = "nginx proxy_pass (anchor)"
            base = f"http://127.0.0.1:{nginx_port}"
            cpu_servers.append((anchor_names["nginx"], nginx_cmd, f"{base}/health", None, f"{base}/v1"))
        litellm_cmd = litellm_server(home, litellm_port, upstream)
        if litellm_cmd is not None:
            version = litellm_version(Path(litellm_cmd[0]).parent / "python")
            anchor_names["litellm"] = f"LiteLLM proxy {version} (anchor)"
            base = f"http://127.0.0.1:{litellm_port}"
            cpu_servers.append(
                (
                    anchor_names["litellm"],
                    litellm_cmd,
                    f"{base}/health/liveliness",
                    litellm_env(),
                    f"{base}/v1",
                )
            )
    rounds: dict[str, list[dict[str, float]]] = {"direct (anchor)": []}
    cpu: dict[str, dict[str, list[float]]] = {}
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
        # With --stacks the bare lean pass-through (the gateway's HTTP stack, no governance) joins:
        # the floor a Python proxy on this stack reaches, beside nginx's.
        cpu_targets = [t for t in targets if t[0].startswith(("gateway", "bare lean"))]
        for name, cmd, ready, server_env, base in cpu_servers:
            proc = stack.enter_context(process(cmd, ready, server_env))
            cpu_targets.append((name, base, proc.pid))
        print("interleaved c=1 latency", file=sys.stderr)
        latencies = asyncio.run(
            interleaved(
                {"direct (anchor)": f"{upstream}/chat/completions"}
                | {name: f"{base}/chat/completions" for name, base, _pid in cpu_targets},
                args.requests,
            )
        )
        for number in range(args.cpu_rounds):
            print(f"CPU round {number + 1}/{args.cpu_rounds}", file=sys.stderr)
            for name, base, pid in cpu_targets:
                assert pid is not None
                runs = cpu.setdefault(name, {"plain": [], "stream": []})
                url = f"{base}/chat/completions"
                # /proc counts CPU in clock ticks (10 ms): at 2,000 requests one tick is 5 us per
                # request; LiteLLM, at milliseconds per request, needs fewer for the same precision.
                count = args.cpu_requests // 5 if name == anchor_names.get("litellm") else args.cpu_requests
                for mode, n in (("plain", count), ("stream", count // 2)):
                    runs[mode].append(cpu_per_request(url, pid, n, args.cpu_concurrency, mode == "stream"))
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
    report_added_p50(latencies)
    report_cpu(cpu, anchor_names, args.cpu_requests, args.cpu_concurrency)


if __name__ == "__main__":
    main()
