"""The CLI gateway as a real process: halt state kept across a restart; orders from `gateway halt issue`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.conftest import free_port, wait_http
from tests.gateway.conftest import REGULATOR, Issuers
from tongzhou.cli.main import app

pytestmark = pytest.mark.slow


@contextmanager
def gateway_process(upstream: str, policy: Path, port: int, log: Path) -> Iterator[str]:
    with log.open("ab") as handle:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tongzhou.cli.main",
                "gateway",
                "serve",
                "--upstream",
                upstream,
                "--policy",
                str(policy),
                "--port",
                str(port),
            ],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/governance/health", timeout=60, process=proc)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_halt_state_survives_a_restart(
    llama_server: str, policy_path: Path, issuers: Issuers, tmp_path: Path
) -> None:
    runner = CliRunner()
    port = free_port()
    log = tmp_path / "gateway.log"
    request = {
        "model": "smollm2-135m-instruct",
        "max_tokens": 4,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    with gateway_process(llama_server, policy_path, port, log) as base:
        issued = runner.invoke(
            app,
            [
                "gateway",
                "halt",
                "issue",
                "PAUSE",
                "--key",
                "regulator",
                "--issuer",
                REGULATOR,
                "--reason",
                "regulator inspection",
                "--to",
                base,
            ],
        )
        assert issued.exit_code == 0, issued.output
        order_id = json.loads(issued.output)["order_id"]
        assert httpx.post(f"{base}/v1/chat/completions", json=request, timeout=30).status_code == 503
    status = runner.invoke(app, ["gateway", "halt", "status", "--policy", str(policy_path)])
    assert status.exit_code == 0 and order_id in status.output  # read from the persisted state, gateway down
    with gateway_process(llama_server, policy_path, port, log) as base:
        refused = httpx.post(f"{base}/v1/chat/completions", json=request, timeout=30)
        assert refused.status_code == 503 and refused.headers["X-Tongzhou-Halt-Order"] == order_id
        resumed = runner.invoke(
            app,
            [
                "gateway",
                "halt",
                "issue",
                "RESUME",
                "--key",
                "regulator",
                "--issuer",
                REGULATOR,
                "--reason",
                "inspection passed",
                "--to",
                base,
            ],
        )
        assert resumed.exit_code == 0 and order_id in resumed.output
        assert httpx.post(f"{base}/v1/chat/completions", json=request, timeout=180).status_code == 200
    verify = runner.invoke(app, ["gateway", "audit", "verify", "--policy", str(policy_path)])
    assert verify.exit_code == 0, verify.output


def test_issue_refuses_bad_input(issuers: Issuers, tmp_path: Path) -> None:
    runner = CliRunner()
    bad_action = runner.invoke(
        app,
        ["gateway", "halt", "issue", "EXPLODE", "--key", "regulator", "--issuer", REGULATOR, "--reason", "x"],
    )
    assert bad_action.exit_code != 0
    no_key = runner.invoke(
        app, ["gateway", "halt", "issue", "PAUSE", "--key", "nobody", "--issuer", REGULATOR, "--reason", "x"]
    )
    assert no_key.exit_code != 0
    out = tmp_path / "orders" / "pause.json"
    written = runner.invoke(
        app,
        [
            "gateway",
            "halt",
            "issue",
            "PAUSE",
            "--key",
            "regulator",
            "--issuer",
            REGULATOR,
            "--reason",
            "air-gapped delivery",
            "--out",
            str(out),
        ],
    )
    assert written.exit_code == 0 and json.loads(out.read_text())["signatures"]


def test_serve_refuses_a_missing_or_bad_upstream_and_a_bad_policy(tmp_path: Path) -> None:
    runner = CliRunner()
    no_upstream = runner.invoke(app, ["gateway", "serve"])
    assert no_upstream.exit_code != 0 and "--upstream" in str(no_upstream.exception)
    not_a_url = runner.invoke(app, ["gateway", "--upstream", "ftp://example"])  # the group's own options
    assert not_a_url.exit_code != 0 and "not an http(s) URL" in str(not_a_url.exception)
    bad = tmp_path / "bad.yaml"
    bad.write_text("halt: [this is not a mapping\n")
    broken = runner.invoke(app, ["gateway", "--upstream", "http://127.0.0.1:1/v1", "--policy", str(bad)])
    assert broken.exit_code != 0 and "not valid YAML" in str(broken.exception)


def test_trust_entries_accept_a_pem_file(issuers: Issuers, tmp_path: Path) -> None:
    from tongzhou.attest import KeyRing
    from tongzhou.gateway.halt_book import HaltBook
    from tongzhou.gateway.policy import load_policy

    pem = tmp_path / "regulator.pub"
    pem.write_text(KeyRing().info("regulator").public_pem)
    policy_file = tmp_path / "gateway.yaml"
    policy_file.write_text(
        f"halt:\n  trust:\n    - {{issuer: {REGULATOR}, public_key_file: regulator.pub}}\n"
    )
    book = HaltBook(load_policy(policy_file))
    book.receive(issuers.order("PAUSE").sign(issuers.regulator), "api")
    assert book.halting(None) is not None
