"""`tongzhou label add|inspect|verify` through the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.labels.helpers import PRODUCER, make_image
from tongzhou.labels.c2pa_certs import write_test_credentials


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tongzhou.cli.main", "label", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_add_verify_inspect_directory_json(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(5):
        make_image(src / f"img{i}.png")
    (src / "answer.md").write_text("答案\n", encoding="utf-8")
    cert, key = write_test_credentials(tmp_path)
    add = _cli(
        "add",
        str(src / "img0.png"),
        str(src / "answer.md"),
        "--producer",
        PRODUCER,
        "--out",
        str(tmp_path / "out"),
        "--json",
        cwd=tmp_path,
    )
    assert add.returncode == 0, add.stderr
    lines = [json.loads(line) for line in add.stdout.splitlines()]
    assert [Path(r["output"]).name for r in lines] == ["img0.png", "answer.md"]
    add_c2pa = _cli(
        "add",
        str(src / "img1.png"),
        "--producer",
        PRODUCER,
        "--c2pa",
        "--cert",
        str(cert),
        "--key",
        str(key),
        "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert add_c2pa.returncode == 0, add_c2pa.stderr
    verify = _cli("verify", str(tmp_path / "out"), "--json", "--workers", "2", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    reports = [json.loads(line) for line in verify.stdout.splitlines()]
    assert len(reports) == 3 and all(r["valid"] and r["art6"] == "confirmed" for r in reports)
    assert next(r for r in reports if r["path"].endswith("img1.png"))["c2pa"]["validation_state"] == "Valid"
    bad = _cli("verify", str(src), "--json", cwd=tmp_path)
    assert bad.returncode == 1
    assert all(json.loads(line)["art6"] == "none" for line in bad.stdout.splitlines())


def test_add_reports_bad_files_and_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10)
    result = _cli("add", str(broken), "--producer", PRODUCER, cwd=tmp_path)
    assert result.returncode == 2 and "truncated" in result.stdout
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["broken.png"]  # nothing written
    refused = _cli("add", str(broken), "--producer", "有空格 name", cwd=tmp_path)
    assert refused.returncode == 2


def test_add_directory_in_parallel_keeps_relative_folders(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "a").mkdir(parents=True)
    (src / "b").mkdir()
    for folder in ("a", "b"):
        for i in range(3):
            make_image(src / folder / f"same{i}.png")  # same names in two folders
    (src / "b" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    result = _cli(
        "add",
        str(src),
        "--producer",
        PRODUCER,
        "--out",
        str(tmp_path / "out"),
        "--json",
        "--workers",
        "2",
        cwd=tmp_path,
    )
    assert result.returncode == 3  # partial: one bad file of seven (2 would mean none was labelled)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sum("error" in r for r in lines) == 1 and len(lines) == 7
    outputs = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.png"))
    assert outputs == [f"{f}/same{i}.png" for f in ("a", "b") for i in range(3)]
    verify = _cli("verify", str(tmp_path / "out"), "--json", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout
