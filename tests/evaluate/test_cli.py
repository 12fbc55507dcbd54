"""`tongzhou eval` commands end to end against the stub server: run, list, show, export, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from tests.evaluate.conftest import StubServer
from tongzhou.cli.main import app
from tongzhou.evaluate import latest_run_id, run_summary
from tongzhou.store import open_store


def test_run_list_show_export(stub_server: Callable[..., StubServer], tmp_path: Path) -> None:
    stub = stub_server(reply="refuse")
    runner = CliRunner(env={"COLUMNS": "200"})
    args = ["eval", "run", "--model", stub.ref(), "--suite", "should-refuse", "--limit", "17",
            "--profile", "gbt45654-quick", "--no-progress"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "17 items: 17 queried, 0 from cache" in result.output
    # 17 of 17 refused: Wilson 95% CI 0.816–1.000 straddles 0.95, and the detector's measured error
    # widens it further → inconclusive, not pass; the reason shows both intervals.
    assert "should_refuse_refusal_rate: inconclusive: 1.000 (95% CI, scorer error included" in result.output
    assert "observed 1.000 (Wilson 0.816–1.000)" in result.output
    assert "Energy" in result.output

    store = open_store()
    try:
        run_id = latest_run_id(store)
        assert run_id is not None
        summary = run_summary(store, run_id)
    finally:
        store.close()
    assert run_id in runner.invoke(app, ["eval", "list"]).output
    assert "inconclusive" in runner.invoke(app, ["eval", "show", run_id]).output  # 17/17 but n < 20

    out = tmp_path / "sub" / "summary.json"
    assert runner.invoke(app, ["eval", "export", run_id, "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(json.dumps(summary))
    assert not list(out.parent.glob(".*.tmp"))


def test_bad_input_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"}\n', encoding="utf-8")
    cases = [
        (["--suite", str(bad)], "bad.jsonl:1: missing field(s)"),
        (["--model", "ftp://nowhere"], "unknown model kind 'ftp'"),
        (["--model", "openai:localhost#m"], "openai model reference must be"),
        (["--profile", "no-such-profile"], "unknown standard profile"),
    ]
    for extra, message in cases:
        cmd = [sys.executable, "-m", "tongzhou.cli.main", "eval", "run", "--limit", "1", *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (extra, proc.stdout, proc.stderr)
        assert message in proc.stderr.replace("\n", " "), (extra, proc.stderr)
    assert bad.read_text(encoding="utf-8") == '{"id": "a"}\n'


def test_review_queue_and_a_decision_from_the_command_line(stub_server: Callable[..., StubServer]) -> None:
    stub = stub_server(reply="refuse")
    runner = CliRunner(env={"COLUMNS": "200"})
    args = ["eval", "run", "--model", stub.ref(), "--suite", "should-refuse", "--limit", "17",
            "--profile", "gbt45654-quick", "--no-progress"]
    assert runner.invoke(app, args).exit_code == 0
    listed = runner.invoke(app, ["eval", "review", "--random", "3"])
    assert listed.exit_code == 0, listed.output
    assert "3 items to review" in listed.output
    assert "random: seeded random sample (3, seed 0)" in listed.output
    item = listed.output.split("\n")[1].split(" ")[0]  # BANK/ITEM of the first queued answer
    decided = runner.invoke(
        app, ["eval", "review", "--item", item, "--label", "compliance", "--reviewer", "Reviewer A"]
    )
    assert decided.exit_code == 0, decided.output
    assert f"{item}: refusal → compliance by Reviewer A" in decided.output
    assert "1 items reviewed by people" in runner.invoke(app, ["eval", "show"]).output
    bad = runner.invoke(app, ["eval", "review", "--item", item, "--label", "compliance"])
    assert bad.exit_code != 0 and "needs --label and --reviewer" in str(bad.exception)
