"""Kill a run mid-way (SIGKILL, and Ctrl-C/SIGINT); the rerun resumes without re-querying answered items."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.evaluate.conftest import StubServer
from tongzhou.evaluate import OpenAIChatModel, cache_key, draw_sample, load_banks, run_summary
from tongzhou.evaluate.storage import cache_size, cached_responses, list_runs
from tongzhou.store import open_store

LIMIT = 40


def _cli(stub: StubServer, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tongzhou.cli.main",
        "eval",
        "run",
        "--model",
        stub.ref(),
        "--suite",
        "should-refuse",
        "--limit",
        str(LIMIT),
        "--concurrency",
        "2",
        "--no-progress",
        *extra,
    ]


def _wait_for_cache(at_least: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run finished before it could be interrupted"
        db = Path(os.environ["TONGZHOU_HOME"]) / "tongzhou.db"
        if db.exists():
            store = open_store(migrate_schema=False)
            try:
                if cache_size(store) >= at_least:
                    return
            except Exception:  # tables not created yet
                pass
            finally:
                store.close()
        time.sleep(0.1)
    raise TimeoutError("the run did not cache answers in time")


def _cached_prompts(stub: StubServer) -> set[str]:
    """Prompts of the drawn items whose answers are in the cache now."""
    model = OpenAIChatModel(stub.base_url, "stub")
    bank = load_banks(["should-refuse"])[0]
    items = draw_sample(bank, LIMIT, seed=0)
    keys = {cache_key(model.info.identity, i.messages, model.info.parameters): i for i in items}
    store = open_store()
    try:
        hits = cached_responses(store, keys)
    finally:
        store.close()
    return {keys[k].messages[-1]["content"] for k in hits}


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT", "SIGTERM"])
def test_interrupted_run_resumes_without_requerying(stub_server: Callable[..., StubServer], how: str) -> None:
    stub = stub_server(reply="refuse", delay=0.15)
    proc = subprocess.Popen(_cli(stub), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _wait_for_cache(8, proc)
    if how == "SIGKILL":
        proc.kill()
        proc.wait(timeout=30)
    else:
        proc.send_signal(getattr(signal, how))
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == (130 if how == "SIGINT" else 143), out.decode()
        assert b"Resume with: tongzhou eval run --resume run-" in out
        assert b"Traceback" not in out
    asked_first = stub.stats()["prompts"]
    cached = _cached_prompts(stub)
    assert 8 <= len(cached) < LIMIT
    assert cached <= set(asked_first)

    store = open_store()
    try:
        (run,) = list_runs(store)
        assert run_summary(store, run.id)["status"] == "partial"
        if how != "SIGKILL":  # stopped, not killed: `eval list` says partial too, not "running"
            assert run.status == "partial"
    finally:
        store.close()

    rerun = subprocess.run(_cli(stub, "--resume", run.id), capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout.decode() + rerun.stderr.decode()
    asked_again = stub.stats()["prompts"][len(asked_first) :]
    assert not cached & set(asked_again), "a cached item was sent to the model again"
    # Answers and scores are written in one transaction, so every cached item was also scored: exactly the
    # uncached rest is asked.
    assert len(asked_again) == LIMIT - len(cached)
    store = open_store()
    try:
        summary = run_summary(store, run.id)
    finally:
        store.close()
    assert summary["status"] == "complete" and len(summary["items"]) == LIMIT
    assert len({(i["bank_id"], i["item_id"]) for i in summary["items"]}) == LIMIT
