"""`tongzhou oss licence`: exit 0 compatible, 1 at or worse than --fail-on, 2 on bad input; JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.oss.licences import lineage_fixtures as fx

ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from tongzhou.cli.entry import main; main()", "oss", "licence", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )


def _bad(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # one line
    for word in words:
        assert word in result.stderr, result.stderr


def test_exit_status_follows_the_verdict(tmp_path: Path) -> None:
    model = fx.llama_derivative(tmp_path)
    base = fx.llama_base(tmp_path / "bases")
    nc = fx.dataset(tmp_path / "data", "support-chats", "cc-by-nc-4.0", fx.CC_BY_NC)
    args = [str(model), "--base", str(base), "--dataset", str(nc), "--redistribute", "--mau", "5000"]
    sold = _run(*args)
    assert sold.returncode == 1, sold.stdout + sold.stderr
    assert "incompatible" in sold.stdout and "不相容" in sold.stdout and "CC-BY-NC-4.0" in sold.stdout
    research = _run(*args, "--use", "non-commercial")
    assert research.returncode == 0, research.stdout
    assert "compatible 相容" in research.stdout.splitlines()[-1]
    # Without --mau the 700M threshold is undetermined: exit 1 by default, 0 with --fail-on incompatible.
    unknown = [str(model), "--base", str(base), "--dataset", str(nc), "--use", "non-commercial"]
    assert _run(*unknown).returncode == 1
    assert _run(*unknown, "--fail-on", "incompatible").returncode == 0


def test_json_report(tmp_path: Path) -> None:
    model = fx.llama_derivative(tmp_path, name="Acme-Chat-8B", datasets=())
    result = _run(
        str(model), "--base", str(fx.llama_base(tmp_path / "b")), "--redistribute", "--mau", "1", "--json"
    )
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["verdict"] == "incompatible" and payload["fail_on"] == "undetermined"
    (prefix,) = [c for c in payload["checks"] if c["code"] == "duty.name-prefix"]
    assert prefix["verdict"] == "incompatible" and prefix["source"].endswith("§1.b.i.B")
    assert prefix["evidence"][-1]["line"] == 5 and prefix["message_zh"]
    assert payload["subjects"][0]["licence"] == "LicenseRef-scancode-llama-3.1-license-2024"


def test_missing_folder(tmp_path: Path) -> None:
    _bad(_run(str(tmp_path / "nope")), "no such file or folder", "不存在")


def test_malformed_front_matter(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {"README.md": "---\nlicense: [apache-2.0\nbase_model: x\n---\n"})
    _bad(_run(str(model)), "README.md:", "malformed", "格式错误")
    unclosed = fx.folder(tmp_path, "u", {"README.md": "---\nlicense: mit\n# no closing line\n"})
    _bad(_run(str(unclosed)), "never closed")
    listing = fx.folder(tmp_path, "l", {"README.md": "---\n- a\n- b\n---\n"})
    _bad(_run(str(listing)), "must be a YAML mapping")
    nested = fx.folder(tmp_path, "n", {"README.md": "---\nlicense:\n  name: mit\n---\n"})
    _bad(_run(str(nested)), "README.md:2", "license must be a string")


def test_huge_licence_file(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {"README.md": fx.card({"license": "mit"})})
    with (model / "LICENSE").open("wb") as handle:
        handle.write(b"MIT License\n" + b"a" * (3 * 1024 * 1024))
    _bad(_run(str(model)), "LICENSE", "over the 1,048,576-byte limit")


@pytest.mark.parametrize("name", ["LICENSE", "README.md", "NOTICE"])
def test_binary_junk_in_a_text_file(tmp_path: Path, name: str) -> None:
    model = fx.folder(tmp_path, "m", {"README.md": fx.card({"license": "mit"})})
    (model / name).write_bytes(bytes(range(256)) * 40)
    _bad(_run(str(model)), name, "binary")


def test_not_utf8(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {})
    (model / "LICENSE").write_bytes("Licence für alle".encode("latin-1"))
    _bad(_run(str(model)), "not UTF-8")


def test_binary_junk_or_truncated_gguf_as_path(tmp_path: Path) -> None:
    junk = tmp_path / "model.bin"
    junk.write_bytes(bytes(range(256)) * 100)
    _bad(_run(str(junk)), "not a GGUF file", "model's folder")
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(fx.gguf_with({"general.license": "mit"})[:60])
    _bad(_run(str(cut)), "GGUF header is cut short")


def test_bad_config_json_and_options(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {"config.json": "{not json"})
    _bad(_run(str(model)), "config.json:1", "not valid JSON")
    good = fx.folder(tmp_path, "g", {"README.md": fx.card({"license": "mit"})})
    _bad(_run(str(good), "--use", "sometimes"), "--use")
    _bad(_run(str(good), "--fail-on", "never"), "--fail-on")
    _bad(_run(str(good), "--mau", "-5"), "--mau")


def test_deeply_nested_card_or_config(tmp_path: Path) -> None:
    card = fx.folder(tmp_path, "c", {"README.md": "---\nlicense: " + "[" * 50_000 + "]" * 50_000 + "\n---\n"})
    _bad(_run(str(card)), "README.md", "nested too deeply")
    config = fx.folder(tmp_path, "j", {"config.json": "[" * 200_000 + "]" * 200_000})
    _bad(_run(str(config)), "config.json", "nested too deeply")
