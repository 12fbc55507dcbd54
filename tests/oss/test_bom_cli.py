"""`tongzhou oss bom`: writes the BOM (stdout or --out, atomically); bad input exits 2, bilingual, no
traceback, nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.oss.bom_fixtures import dataset_folder, energy_report, hf_model_folder

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from tongzhou.cli.entry import main; main()", "oss", "bom", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", **(env or {})},
    )


def test_stdout_and_out_file_agree(tmp_path: Path) -> None:
    folder = hf_model_folder(tmp_path)
    data = dataset_folder(tmp_path)
    energy = energy_report(tmp_path)
    args = [str(folder), "--dataset", str(data), "--energy", str(energy), "--created", "2026-12-06T09:00:00Z"]
    printed = _run(*args)
    assert printed.returncode == 0, printed.stderr
    out = tmp_path / "boms" / "model.spdx.json"
    written = _run(*args, "--format", "spdx", "--out", str(out))
    assert written.returncode == 0, written.stderr
    assert "sha256:" in written.stderr and written.stdout == ""
    assert json.loads(printed.stdout)["bomFormat"] == "CycloneDX"
    assert json.loads(out.read_text(encoding="utf-8"))["@context"].endswith("spdx-context.jsonld")


def test_source_date_epoch_makes_runs_identical(tmp_path: Path) -> None:
    folder = hf_model_folder(tmp_path)
    env = {"SOURCE_DATE_EPOCH": "1765011600"}
    first, second = _run(str(folder), env=env), _run(str(folder), env=env)
    assert first.returncode == 0 and first.stdout == second.stdout
    assert json.loads(first.stdout)["metadata"]["timestamp"] == "2025-12-06T09:00:00Z"


def test_bad_input_exits_2_bilingual_and_writes_nothing(tmp_path: Path) -> None:
    folder = hf_model_folder(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": ')
    (broken / "model.safetensors").write_bytes(b"\0" * 8)
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "self").symlink_to(loop / "self")
    out = tmp_path / "out.json"
    cases = [
        ([str(tmp_path / "absent")], "不存在"),
        ([str(broken)], "JSON 格式错误"),
        ([str(loop)], "符号链接循环"),
        ([str(folder), "--format", "xml"], "cyclonedx"),
        ([str(folder), "--created", "noon"], "ISO 8601"),
        ([str(folder), "--energy", str(tmp_path / "none.json")], "能耗报告不存在"),
    ]
    for args, expected in cases:
        result = _run(*args, "--out", str(out))
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr and "error:" in result.stderr and " / " in result.stderr
        assert expected in result.stderr, (args, result.stderr)
        assert not out.exists()


def test_a_folder_of_100k_files_is_refused(tmp_path: Path) -> None:
    crowd = tmp_path / "crowd"
    crowd.mkdir()
    for i in range(100_001):
        os.close(os.open(crowd / f"{i:06d}.txt", os.O_CREAT | os.O_WRONLY))
    result = _run(str(crowd), "--out", str(tmp_path / "bom.json"))
    assert result.returncode == 2
    assert "more than 100,000 files" in result.stderr and "文件数超过" in result.stderr
    assert not (tmp_path / "bom.json").exists()
