"""`tongzhou oss scan`: exit 0 clean, 1 at or above --fail-on, 2 on bad input; JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.oss.model_corpus import Sample

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env_path = str(ROOT / "src")
    return subprocess.run(
        [sys.executable, "-c", "from tongzhou.cli.entry import main; main()", "oss", "scan", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )


def test_exit_status_follows_the_threshold(corpus: list[Sample]) -> None:
    benign = corpus[-1].path.parent
    clean = _run(str(benign))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "pass" in clean.stdout
    unknown = next(s.path for s in corpus if s.path.name == "unknown_module.pkl")
    assert _run(str(unknown)).returncode == 1
    assert _run(str(unknown), "--fail-on", "critical").returncode == 0


def test_json_names_the_global_and_location(corpus: list[Sample]) -> None:
    target = next(s.path for s in corpus if s.path.name == "torch_zip.pt")
    result = _run(str(target), "--json")
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["verdict"] == "fail"
    (finding,) = payload["findings"]
    assert (finding["construct"], finding["member"], finding["severity"]) == (
        "os.system",
        "archive/data.pkl",
        "critical",
    )


def test_bad_input_exits_2_without_a_traceback(tmp_path: Path) -> None:
    for args in ([str(tmp_path / "absent")], [str(tmp_path), "--fail-on", "severe"]):
        result = _run(*args)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and "error:" in result.stderr
