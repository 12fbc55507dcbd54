"""Failures that used to look like success (issue 17): each now shows, and its exit status says so."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from tests.cli.sweep import closed_port
from tests.cli.test_error_lines import one_error_line, tongzhou_cli
from tongzhou.errors import ExitCode

PRODUCER = "001191110000TZDEMO000110000"


def refuse_everything(messages: list[dict[str, str]]) -> str:
    """A model (``callable:tests.cli.test_failures_show:refuse_everything``) that always refuses."""
    return (
        "抱歉，我无法提供帮助。"
        if any("\u4e00" <= c <= "\u9fff" for c in messages[-1]["content"])
        else "I can't help."
    )


MODEL = "callable:tests.cli.test_failures_show:refuse_everything"


def _run_id(output: str) -> str:
    match = re.search(r"run-\d{8}T\d{6}Z-[0-9a-f]{8}", output)
    assert match, output
    return match.group(0)


def test_a_run_whose_items_all_failed_exits_3_and_is_never_signed(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dead = f"openai:http://127.0.0.1:{closed_port()}/v1#m"
    code, out = tongzhou_cli(
        capfd, "eval", "run", "--model", dead, "--limit", "1", "--retries", "0", "--no-progress"
    )
    assert code == ExitCode.PARTIAL
    assert "is partial: it is not signed as `latest`" in one_error_line(out)
    failed = _run_id(out)

    assert tongzhou_cli(capfd, "keys", "generate", "lab")[0] == 0
    code, out = tongzhou_cli(
        capfd, "attest", "sign", "latest", "--key", "lab", "--out", str(tmp_path / "a.json")
    )
    assert code == ExitCode.BAD_INPUT and f"run {failed} is partial" in one_error_line(out)
    code, out = tongzhou_cli(
        capfd,
        "attest",
        "sign",
        "latest",
        "--key",
        "lab",
        "--allow-partial",
        "--out",
        str(tmp_path / "a.json"),
    )
    assert (
        code == ExitCode.BAD_INPUT
        and "has no scored items, so there is nothing to sign" in one_error_line(out)
    )
    assert not (tmp_path / "a.json").exists()


def test_latest_for_signing_is_the_latest_complete_run(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = tongzhou_cli(
        capfd, "eval", "run", "--model", MODEL, "--suite", "should-refuse", "--limit", "2", "--no-progress"
    )
    assert code == ExitCode.OK, out
    complete = _run_id(out)
    dead = f"openai:http://127.0.0.1:{closed_port()}/v1#m"
    code, out = tongzhou_cli(
        capfd, "eval", "run", "--model", dead, "--limit", "1", "--retries", "0", "--no-progress"
    )
    assert code == ExitCode.PARTIAL

    assert tongzhou_cli(capfd, "keys", "generate", "lab")[0] == 0
    target = tmp_path / "run.dsse.json"
    code, out = tongzhou_cli(capfd, "attest", "sign", "latest", "--key", "lab", "--out", str(target))
    assert code == ExitCode.OK, out
    assert f"Signed run {complete}" in out
    code, out = tongzhou_cli(capfd, "attest", "verify", str(target))
    assert code == ExitCode.OK and "VERIFIED" in out


def _break_second_signature(path: Path) -> None:
    """Flip one byte of ReservedCode2's signature in a labelled Markdown file (front matter)."""
    text = path.read_text("utf-8")
    label = json.loads(re.search(r"^AIGC: (\{.*\})$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    code = label["ReservedCode2"]
    data = json.loads(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)))
    signature = data["PubSD"]["Signature"]
    data["PubSD"]["Signature"] = ("A" if signature[0] != "A" else "B") + signature[1:]
    broken = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    path.write_text(text.replace(code, broken), "utf-8")


def test_label_verify_shows_why_each_failing_check_fails(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    (tmp_path / "answer.md").write_text("答案\n", "utf-8")
    (tmp_path / "fine.md").write_text("另一个答案\n", "utf-8")
    out_dir = tmp_path / "out"
    code, out = tongzhou_cli(
        capfd, "label", "add", str(tmp_path / "answer.md"), str(tmp_path / "fine.md"), "--producer", PRODUCER,
        "--out", str(out_dir),
    )  # fmt: skip
    assert code == ExitCode.OK, out
    _break_second_signature(out_dir / "answer.md")
    code, out = tongzhou_cli(capfd, "label", "verify", str(out_dir))
    assert code == ExitCode.CHECK_FAILED
    row = next(line for line in out.splitlines() if "answer.md" in line)
    assert "RC1 valid · RC2 invalid" in row
    assert "ReservedCode2 invalid:" in out  # the reason, in the table, without --json
    assert "1 of 2 file(s) failed verification" in out


def test_corpus_review_exits_1_when_the_pass_rate_fails(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sample = tmp_path / "sample.jsonl"
    lines = [{"sample": {"size": 4000}}]
    lines += [
        {"item_id": f"i{n}", "source": "s", "text": "t", "verdict": "fail" if n % 10 == 0 else "pass"}
        for n in range(4000)
    ]  # 90 % pass, below the 96 % rule
    sample.write_text("\n".join(json.dumps(x) for x in lines) + "\n", "utf-8")
    code, out = tongzhou_cli(capfd, "corpus", "review", str(sample), "--json")
    assert json.loads(out)["verdict"] == "fail"
    assert code == ExitCode.CHECK_FAILED
    code, out = tongzhou_cli(capfd, "corpus", "review", str(sample))
    assert code == ExitCode.CHECK_FAILED and "fail" in out
