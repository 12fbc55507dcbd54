"""`tongzhou gateway --workers N` as real processes: one halt across the workers, streams cut in
every worker, kill -9 of a worker under load, a restarted worker starting halted."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.gateway.conftest import Issuers
from tests.gateway.fleet import (
    CHAT,
    chat_status,
    deliver,
    every_worker,
    fleet_policy,
    gateway_process,
    health,
    poll,
    worker_pids,
)
from tongzhou.attest import KeyRing, key_id
from tongzhou.cli.main import app
from tongzhou.gateway.audit_head_signer import DEFAULT_HEAD_KEY
from tongzhou.gateway.audit_verify import verify_audit_log

pytestmark = pytest.mark.slow

IN_FORCE_SECONDS = 10.0
"""The functional bound the tests wait for (the measured figure is in benchmarks/gateway_fleet.py)."""


def test_an_order_to_any_worker_halts_every_worker_and_cuts_their_streams(
    stub_upstream: str, issuers: Issuers, tmp_path: Path
) -> None:
    policy = fleet_policy(tmp_path / "policy", None)  # --workers 2: the store's SQLite ledger
    with gateway_process(stub_upstream, policy, tmp_path / "gw.log", workers=2) as (base, _proc):
        pids = worker_pids(base, 2)
        assert chat_status(base) == 200
        httpx.post(stub_upstream.removesuffix("/v1") + "/stub/control", json={"chunk_delay": 1.0}, timeout=10)
        streams: list[str] = []

        def stream() -> None:
            body = {**CHAT, "stream": True}
            with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=60) as answer:
                streams.append("".join(answer.iter_text()))

        # Six streams on six connections: the kernel spreads them over both workers (all six on the
        # worker that takes the order has odds 1 in 32; the test holds either way).
        threads = [threading.Thread(target=stream) for _ in range(6)]
        for t in threads:
            t.start()
        poll(lambda: sum(health(base)["in_flight"] for _ in range(4)) > 0, 30, "streams in flight")
        answer = deliver(base, issuers.order("TERMINATE", reason="fleet test").sign(issuers.regulator))
        assert answer.status_code == 200, answer.text
        every_worker(base, pids, lambda h: h["halted"], IN_FORCE_SECONDS)
        for t in threads:
            t.join(30)
        assert len(streams) == 6
        for text in streams:  # cut by the order (4 chunks of 1 s each would have ended in [DONE])
            assert '"code": "halted"' in text or '"code":"halted"' in text, text[-300:]
            assert "[DONE]" not in text
        assert chat_status(base) == 503
        state = httpx.get(f"{base}/governance/halt-state", timeout=10).json()
        assert state["ledger"]["reachable"] is True and state["ledger"]["applied_seq"] == 1


def test_kill_9_of_a_worker_under_load_keeps_the_others_serving_and_the_halt(
    stub_upstream: str, issuers: Issuers, tmp_path: Path, tongzhou_home: Path
) -> None:
    policy = fleet_policy(tmp_path / "policy", None)
    with gateway_process(stub_upstream, policy, tmp_path / "gw.log", workers=2) as (base, _proc):
        first = worker_pids(base, 2)
        results: list[tuple[float, int]] = []
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                try:
                    results.append((time.monotonic(), chat_status(base)))
                except httpx.HTTPError:
                    results.append((time.monotonic(), 0))  # a connection the dead worker held

        clients = [threading.Thread(target=load) for _ in range(4)]
        for t in clients:
            t.start()
        try:
            poll(lambda: len(results) > 40, 60, "load running")
            victim, survivor = sorted(first)
            killed_at = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            served = lambda: sum(1 for at, s in results if at > killed_at + 0.5 and s == 200)  # noqa: E731
            poll(lambda: served() > 20, 60, "the other worker serving after the kill")
            restarted = new_worker(base, first)
            answer = deliver(base, issuers.order("PAUSE", reason="kill test").sign(issuers.regulator))
            assert answer.status_code == 200, answer.text
            every_worker(base, {survivor, restarted}, lambda h: h["halted"], IN_FORCE_SECONDS)
            # Kill a worker while halted: its replacement's first answer is already halted (it reads
            # the ledger before it listens), so nothing is served in between.
            os.kill(survivor, signal.SIGKILL)
            new_worker(base, first | {restarted}, first_answer_halted=True)
            mark = time.monotonic()
            poll(lambda: len([s for at, s in results if at > mark]) > 20, 60, "requests after the restart")
        finally:
            stop.set()
            for t in clients:
                t.join(30)
        after = [s for at, s in results if at > mark]
        assert after and all(s in (503, 0) for s in after), after[:20]
    audit = tongzhou_home / "gateway" / "audit"
    public = KeyRing().public_key(DEFAULT_HEAD_KEY)
    # Each worker's chain verifies across its kill and restart, under the signed heads over both.
    result = verify_audit_log(audit, {key_id(public): public})
    assert result.ok, [p.message for p in result.problems]
    assert set(result.chains) == {"w0", "w1"} and result.signed_heads > 0, result.chains
    for worker in ("w0", "w1"):
        kinds = [
            json.loads(line)["kind"]
            for segment in sorted((audit / "workers" / worker).glob("*.jsonl"))
            for line in segment.read_text(encoding="utf-8").splitlines()
        ]
        assert kinds.count("gateway-start") == 2 and "halt" in kinds
    outcome = CliRunner().invoke(app, ["gateway", "audit", "verify", "--policy", str(policy)])
    assert outcome.exit_code == 0 and "audit log intact" in outcome.output, outcome.output
    assert "chains: w0" in outcome.output and "signed head(s)" in outcome.output, outcome.output


def new_worker(base: str, known: set[int], first_answer_halted: bool = False) -> int:
    """Wait for a worker whose pid is not in ``known`` (the supervisor's replacement); its pid."""
    found: list[int] = []

    def answered() -> bool:
        try:
            answer = health(base)
        except httpx.HTTPError:
            return False
        if int(answer["pid"]) not in known:
            if first_answer_halted:
                assert answer["halted"] is True, answer
            found.append(int(answer["pid"]))
        return bool(found)

    poll(answered, 120, f"a worker besides {sorted(known)}")
    return found[0]
