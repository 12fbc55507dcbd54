"""Evaluation-runner overhead: samples/s against a fast local stub OpenAI-compatible server, in one run.

Compared at the same concurrency (default 64), each in its own process, against the same stub
(``tongzhou.evaluate.stub_server``, raw asyncio + uvloop, in another process):

* ``bare-aiohttp`` — a bare asyncio loop of aiohttp POSTs: the ceiling for a Python client here
* ``bare-httpx``, ``openai-sdk`` — the same loop with httpx's AsyncClient and the openai SDK (why aiohttp)
* ``tongzhou`` — ``run_evaluation``: sampling, cache keys, cache lookup, scoring (refusal detector and
  keyword screen) and storage in SQLite all on, progress bar off
* ``inspect_ai`` — a Task with generate() and includes() over the same prompts, model ``openai/stub``
* ``lm-eval`` — a generate_until task over the same prompts with ``local-chat-completions``
  (end to end: ``simple_evaluate`` including its task and dataset setup)
* ``lm-eval-model`` — lm-eval's request layer alone: that model's ``generate_until`` on ready requests

Run: ``.venv/bin/python benchmarks/eval_overhead.py [--samples 10000] [--framework-samples 2000]``
(inspect_ai and lm-eval come from the optional extra ``bench``: ``pip install -e '.[bench]'``).
Prints each figure and the ratios; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # also runs from a bare checkout


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prompts(n: int) -> list[dict[str, Any]]:
    """``n`` distinct items built from the bundled banks (so no run is served from a cache)."""
    from tongzhou.evaluate.bank import resolve_suite

    base = [item for bank in resolve_suite("gbt45654") for item in bank.items]
    out = []
    for i in range(n):
        item = base[i % len(base)]
        out.append(
            {
                "id": f"b{i}",
                "language": item.language,
                "prompt": f"[{i}] {item.messages[-1]['content']}",
                "expected": item.expected,
                "risk_code": item.risk_code,
                "source": "benchmark",
                "licence": "Apache-2.0",
            }
        )
    return out


def body(prompt: str) -> dict[str, Any]:
    return {
        "model": "stub",
        "messages": [{"role": "user", "content": prompt}],
        "temperature": 0.0,
        "max_tokens": 16,
    }


# -- the measurements (each runs in its own process via --one) -------------------------------------


async def _bare_loop(base: str, items: list[dict[str, Any]], concurrency: int, client: str) -> float:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for it in items:
        queue.put_nowait(it)
    url = f"{base}/chat/completions"
    if client == "aiohttp":
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

        async def call(prompt: str) -> str:
            async with session.post(url, json=body(prompt)) as resp:
                data = await resp.json()
                return str(data["choices"][0]["message"]["content"])

        close = session.close
    elif client == "httpx":
        import httpx

        hx = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        )

        async def call(prompt: str) -> str:
            resp = await hx.post(url, json=body(prompt))
            return str(resp.json()["choices"][0]["message"]["content"])

        close = hx.aclose
    else:
        import httpx
        from openai import AsyncOpenAI

        oa = AsyncOpenAI(
            base_url=base,
            api_key="stub",
            max_retries=0,
            http_client=httpx.AsyncClient(
                limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
            ),
        )

        async def call(prompt: str) -> str:
            r = await oa.chat.completions.create(
                model="stub", messages=[{"role": "user", "content": prompt}], temperature=0.0, max_tokens=16
            )
            return r.choices[0].message.content or ""

        close = oa.close

    async def worker() -> None:
        while not queue.empty():
            it = queue.get_nowait()
            await call(it["prompt"])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await close()
    return elapsed


def measure_bare(base: str, n: int, concurrency: int, client: str) -> dict[str, Any]:
    items = prompts(n)
    asyncio.run(_bare_loop(base, items[:200], concurrency, client))  # warm-up: connections, imports
    elapsed = asyncio.run(_bare_loop(base, items, concurrency, client))
    return {"samples": n, "seconds": elapsed}


def measure_tongzhou(base: str, n: int, concurrency: int) -> dict[str, Any]:
    from tongzhou.evaluate import OpenAIChatModel, RunOptions, load_bank, run_evaluation, run_summary
    from tongzhou.store import open_store

    tmp = Path(tempfile.mkdtemp(prefix="tz-bench-"))
    bank_path = tmp / "bench.jsonl"
    bank_path.write_text(
        "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in prompts(n)), encoding="utf-8"
    )
    store = open_store(f"sqlite:///{tmp / 'bench.db'}")
    bank = load_bank(bank_path)
    warm = OpenAIChatModel(base, "stub-warmup", parameters={"max_tokens": 16})
    run_evaluation(
        store,
        warm,
        [load_bank(bank_path)],
        "gbt45654",
        RunOptions(limit=200, concurrency=concurrency, progress=False),
    )
    model = OpenAIChatModel(base, "stub", parameters={"max_tokens": 16})
    started = time.perf_counter()
    result = run_evaluation(
        store, model, [bank], "gbt45654", RunOptions(concurrency=concurrency, progress=False)
    )
    elapsed = time.perf_counter() - started
    summary = run_summary(store, result.run_id)
    assert result.queried == n and len(summary["items"]) == n, (
        f"every sample must be answered, scored and stored: queried {result.queried}, stored "
        f"{len(summary['items'])}, errors {result.errors}, retries {result.retries}: {result.error_messages}"
    )
    store.close()
    return {
        "samples": n,
        "seconds": elapsed,
        "queried": result.queried,
        "scored_and_stored": len(summary["items"]),
    }


def measure_inspect(base: str, n: int, concurrency: int) -> dict[str, Any]:
    os.environ.setdefault("OPENAI_API_KEY", "stub")
    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.scorer import includes
    from inspect_ai.solver import generate

    items = prompts(n)
    task = Task(
        dataset=MemoryDataset([Sample(input=i["prompt"], target="sorry", id=i["id"]) for i in items]),
        solver=generate(),
        scorer=includes(),
    )
    log_dir = tempfile.mkdtemp(prefix="tz-bench-inspect-")
    started = time.perf_counter()
    # responses_api=False: the stub (like most OpenAI-compatible servers) speaks Chat Completions only.
    logs = inspect_eval(
        task,
        model="openai/stub",
        model_base_url=base,
        model_args={"responses_api": False},
        max_connections=concurrency,
        max_samples=concurrency,
        display="none",
        log_dir=log_dir,
        max_tokens=16,
        temperature=0.0,
        max_retries=0,
    )
    elapsed = time.perf_counter() - started
    log = logs[0]
    done = len(log.samples or [])
    return {"samples": done, "seconds": elapsed, "status": log.status}


def measure_lm_eval(base: str, n: int, concurrency: int) -> dict[str, Any]:
    os.environ.setdefault("OPENAI_API_KEY", "stub")
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    tmp = Path(tempfile.mkdtemp(prefix="tz-bench-lm-eval-"))
    data = tmp / "data.jsonl"
    data.write_text(
        "".join(
            json.dumps({"prompt": i["prompt"], "target": "sorry"}, ensure_ascii=False) + "\n"
            for i in prompts(n)
        ),
        encoding="utf-8",
    )
    (tmp / "tz_bench.yaml").write_text(
        "task: tz_bench\n"
        "dataset_path: json\n"
        f"dataset_kwargs:\n  data_files:\n    test: {data}\n"
        "test_split: test\n"
        "output_type: generate_until\n"
        "doc_to_text: '{{prompt}}'\n"
        "doc_to_target: '{{target}}'\n"
        "generation_kwargs:\n  until: []\n  max_gen_toks: 16\n  do_sample: false\n  temperature: 0.0\n"
        "metric_list:\n  - metric: exact_match\n",
        encoding="utf-8",
    )
    started = time.perf_counter()
    results = simple_evaluate(
        model="local-chat-completions",
        model_args=f"model=stub,base_url={base}/chat/completions,num_concurrent={concurrency},max_retries=1,"
        "tokenized_requests=False,tokenizer_backend=None",
        tasks=["tz_bench"],
        task_manager=TaskManager(include_path=str(tmp)),
        apply_chat_template=True,
        log_samples=False,
        bootstrap_iters=0,
    )
    elapsed = time.perf_counter() - started
    assert results is not None
    return {"samples": n, "seconds": elapsed, "metric": results["results"]["tz_bench"]}


def measure_lm_eval_model(base: str, n: int, concurrency: int) -> dict[str, Any]:
    """lm-eval's request layer only: ``generate_until`` of its chat-completions model, no task setup."""
    os.environ.setdefault("OPENAI_API_KEY", "stub")
    from lm_eval.api.instance import Instance
    from lm_eval.api.registry import get_model
    from lm_eval.models.api_models import JsonChatStr

    lm = get_model("local-chat-completions").create_from_arg_string(
        f"model=stub,base_url={base}/chat/completions,num_concurrent={concurrency},max_retries=1,"
        "tokenized_requests=False,tokenizer_backend=None"
    )
    gen = {"until": [], "max_gen_toks": 16, "do_sample": False, "temperature": 0.0}
    requests = [
        Instance(
            request_type="generate_until",
            doc={},
            idx=k,
            arguments=(JsonChatStr(json.dumps([{"role": "user", "content": i["prompt"]}])), dict(gen)),
        )
        for k, i in enumerate(prompts(n))
    ]
    started = time.perf_counter()
    answers = lm.generate_until(requests, disable_tqdm=True)
    elapsed = time.perf_counter() - started
    assert len(answers) == n
    return {"samples": n, "seconds": elapsed}


MEASURES = {
    "bare-aiohttp": lambda b, n, c: measure_bare(b, n, c, "aiohttp"),
    "bare-httpx": lambda b, n, c: measure_bare(b, n, c, "httpx"),
    "openai-sdk": lambda b, n, c: measure_bare(b, n, c, "openai"),
    "tongzhou": measure_tongzhou,
    "inspect_ai": measure_inspect,
    "lm-eval": measure_lm_eval,
    "lm-eval-model": measure_lm_eval_model,
}


# -- the driver ---------------------------------------------------------------------------------------


def run_one(name: str, base: str, n: int, concurrency: int, timeout: float) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--one",
        name,
        "--base",
        base,
        "--samples",
        str(n),
        "--concurrency",
        str(concurrency),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: {' | '.join(tail)}"}
    out: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    out["per_s"] = out["samples"] / out["seconds"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=10_000, help="samples for the bare loops and Tongzhou")
    parser.add_argument(
        "--framework-samples", type=int, default=2_000, help="samples for inspect_ai and lm-eval"
    )
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--only", nargs="*", default=list(MEASURES))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        result = MEASURES[args.one](args.base, args.samples, args.concurrency)
        print("RESULT " + json.dumps(result, default=str), flush=True)
        return

    port = free_port()
    stub = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tongzhou.evaluate.stub_server",
            "--port",
            str(port),
            "--reply",
            "mixed",
            "--no-record",
            "--uvloop",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert stub.stdout is not None
    stub.stdout.readline()  # "stub listening on …"
    base = f"http://127.0.0.1:{port}/v1"
    print(
        f"stub server {base} (raw asyncio + uvloop, separate process); concurrency {args.concurrency}; "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}"
    )
    results: dict[str, dict[str, Any]] = {}
    try:
        for name in args.only:
            n = (
                args.framework_samples
                if name in ("inspect_ai", "lm-eval", "bare-httpx", "openai-sdk")
                else args.samples
            )
            results[name] = run_one(name, base, n, args.concurrency, timeout=900)
            r = results[name]
            shown = (
                f"{r['per_s']:>10,.0f} samples/s  ({r['samples']} in {r['seconds']:.2f} s)"
                if "per_s" in r
                else f"NOT MEASURED: {r['error']}"
            )
            print(f"  {name:<13} {shown}", flush=True)
    finally:
        stub.terminate()
        stub.wait(timeout=10)
    ours = results.get("tongzhou", {}).get("per_s")
    if ours:
        for anchor in ("bare-aiohttp", "lm-eval", "lm-eval-model", "inspect_ai", "openai-sdk", "bare-httpx"):
            theirs = results.get(anchor, {}).get("per_s")
            if theirs:
                print(f"tongzhou / {anchor}: {ours / theirs:.2f}x")
    print("JSON " + json.dumps(results, default=str))


if __name__ == "__main__":
    main()
