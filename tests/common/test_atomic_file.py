"""Atomic writes leave the old file intact and no temporary file behind when the write fails."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tongzhou.atomic_file import (
    atomic_target,
    open_atomic,
    write_bytes_atomic,
    write_json_atomic,
    write_text_atomic,
)
from tongzhou.errors import InputError
from tongzhou.intervals import rate, wilson_interval


def test_write_replaces_and_sets_mode(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "report.md"
    write_text_atomic(target, "旧 old")
    write_text_atomic(target, "新 new", mode=0o600)
    assert target.read_text(encoding="utf-8") == "新 new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["report.md"]


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_bytes(b"{}")
    with pytest.raises(TypeError):
        # Fails inside the write, after the temporary file was created.
        write_bytes_atomic(target, "text, not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"{}"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_rename_over_a_directory_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("kept")
    with pytest.raises(InputError, match="out is a directory; give a file name"):
        write_text_atomic(tmp_path / "out", "would clobber a directory")
    assert (tmp_path / "out" / "keep.txt").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_stream_that_fails_midway_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "corpus.redacted.jsonl"
    target.write_bytes(b"old\n")
    with pytest.raises(OSError, match="disk full"), open_atomic(target) as out:
        out.write(b"half of the new file")
        raise OSError("disk full")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["corpus.redacted.jsonl"]


def test_a_stream_is_renamed_into_place_whole(tmp_path: Path) -> None:
    target = tmp_path / "halt-state.json"
    with open_atomic(target, mode=0o600, durable=True, temp_prefix=".halt-state.") as out:
        out.write(b"{}")
        assert not target.exists()  # readers see nothing until the block ends
    assert target.read_bytes() == b"{}" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["halt-state.json"]


def test_a_target_another_program_fails_to_write_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    with pytest.raises(RuntimeError), atomic_target(target, suffix=".pdf") as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".pdf"
        tmp.write_bytes(b"%PDF-1.7 half")
        raise RuntimeError("the browser crashed")
    assert list(tmp_path.iterdir()) == []
    with atomic_target(target, suffix=".pdf") as tmp:
        tmp.write_bytes(b"%PDF-1.7")
    assert target.read_bytes() == b"%PDF-1.7" and stat.S_IMODE(target.stat().st_mode) == 0o644


def test_json_is_utf8_indented_with_a_final_newline(tmp_path: Path) -> None:
    path = write_json_atomic(tmp_path / "summary.json", {"名": [1]}, indent=2)
    assert path.read_text(encoding="utf-8") == '{\n  "名": [\n    1\n  ]\n}\n'
    assert json.loads(path.read_text(encoding="utf-8")) == {"名": [1]}
    with pytest.raises(TypeError):
        write_json_atomic(tmp_path / "summary.json", {"not json": object()})
    assert json.loads(path.read_text(encoding="utf-8")) == {"名": [1]}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_wilson_known_values() -> None:
    # 95/100: Wilson interval from Newcombe (1998), method 3: 0.8882 – 0.9785.
    low, high = wilson_interval(95, 100)
    assert round(low, 4) == 0.8882 and round(high, 4) == 0.9785
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert rate(0, 0)["ci_low"] == 0.0 and rate(0, 0)["ci_high"] == 1.0
    with pytest.raises(ValueError):
        wilson_interval(5, 3)
