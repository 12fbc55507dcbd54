"""`gateway halt issue --co-sign` and a quorum over HTTP: a real gateway answers 202 to a partial
quorum and keeps serving; the co-signed copy halts it; `gateway halt status` shows what is pending."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.gateway.quorum_policy import Board, make_board, write_quorum_policy
from tongzhou.cli.main import app, run
from tongzhou.gateway.policy import load_policy
from tongzhou.gateway.server import GatewayThread

REQUEST = {"model": "stub-model", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.fixture
def board(tongzhou_home: Path) -> Board:
    return make_board()


def issue(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["gateway", "halt", "issue", *args])
    return result.exit_code, result.output


def test_co_signed_order_halts_a_running_gateway(board: Board, stub_upstream: str, tmp_path: Path) -> None:
    runner = CliRunner()
    policy_path = write_quorum_policy(tmp_path)
    order_file = tmp_path / "terminate.json"
    code, output = issue(
        runner, "TERMINATE", "--key", "reg-a", "--issuer", "regulator-a", "--reason", "incident 7",
        "--out", str(order_file),
    )  # fmt: skip
    assert code == 0, output
    with GatewayThread(stub_upstream, load_policy(policy_path)) as gateway:
        base = gateway.base_url
        code, output = issue(runner, "--co-sign", str(order_file), "--key", "reg-a-spare", "--to", base)
        assert code == 0, output  # regulator-a's second key: still one issuer
        assert "pending" in output and '"signed": 1' in output
        assert httpx.post(f"{base}/v1/chat/completions", json=REQUEST, timeout=30).status_code == 200
        state = httpx.get(f"{base}/governance/halt-state", timeout=10).json()
        assert state["halted"] is False and state["pending"][0]["issuers"] == ["regulator-a"]
        status = runner.invoke(app, ["gateway", "halt", "status", "--url", base])
        assert status.exit_code == 0 and '"pending"' in status.output and "regulator-a" in status.output
        assert "pending, not in force" in status.output and "1 of 2 issuers (regulator-a)" in status.output

        co_signed = tmp_path / "terminate-2.json"
        code, output = issue(runner, "--co-sign", str(order_file), "--key", "reg-b", "--out", str(co_signed))
        assert code == 0 and "2 signature(s)" in output, output
        answer = httpx.post(f"{base}/governance/halt-orders", content=co_signed.read_bytes(), timeout=10)
        assert answer.status_code == 200 and answer.json()["pending"] is False
        refused = httpx.post(f"{base}/v1/chat/completions", json=REQUEST, timeout=30)
        assert refused.status_code == 503
        assert refused.headers["X-Tongzhou-Halt-Order"] == answer.json()["order_id"]
    status = runner.invoke(app, ["gateway", "halt", "status", "--policy", str(policy_path)])
    assert status.exit_code == 0 and '"quorum"' in status.output and "regulator-b" in status.output
    assert "pending, not in force" not in status.output  # acted on: in force, no longer pending


def test_partial_quorum_over_the_api_is_202(board: Board, stub_upstream: str, tmp_path: Path) -> None:
    with GatewayThread(stub_upstream, load_policy(write_quorum_policy(tmp_path))) as gateway:
        envelope = board.order("TERMINATE", "regulator-c").sign(board.c)
        answer = httpx.post(f"{gateway.base_url}/governance/halt-orders", json=envelope, timeout=10)
        assert answer.status_code == 202
        assert answer.json()["accepted"] is True and answer.json()["pending"] is True
        health = httpx.get(f"{gateway.base_url}/governance/health", timeout=10).json()
        assert health["halted"] is False


def test_co_sign_refuses_bad_input(
    board: Board, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    order_file = tmp_path / "order.json"
    issue_args = ["PAUSE", "--key", "reg-a", "--issuer", "regulator-a", "--reason", "r"]
    assert run(["gateway", "halt", "issue", *issue_args, "--out", str(order_file)]) == 0
    not_json = tmp_path / "notes.txt"
    not_json.write_text("hello", encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"payloadType": "application/json", "payload": "e30=", "signatures": []}))
    cases = [
        (["--co-sign", str(order_file), "--key", "reg-a"], "already signed by key"),
        (["PAUSE", "--co-sign", str(order_file), "--key", "reg-b"], "do not give ACTION"),
        (["--co-sign", str(not_json), "--key", "reg-b"], "is not JSON"),
        (["--co-sign", str(other), "--key", "reg-b"], "not a signed halt order"),
        (["--co-sign", str(tmp_path / "missing.json"), "--key", "reg-b"], "cannot read order file"),
        (["--co-sign", str(order_file), "--key", "nobody"], "nobody"),
        (["--key", "reg-b"], "give ACTION, --issuer, --reason"),
    ]
    capsys.readouterr()
    for args, message in cases:
        assert run(["gateway", "halt", "issue", *args]) != 0, args
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (args, err)
    assert len(json.loads(order_file.read_text())["signatures"]) == 1  # the refusals changed nothing
