"""Atomic writes leave the old file intact and no temporary file behind when the write fails."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tongzhou.atomic_file import write_bytes_atomic, write_text_atomic
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


def test_wilson_known_values() -> None:
    # 95/100: Wilson interval from Newcombe (1998), method 3: 0.8882 – 0.9785.
    low, high = wilson_interval(95, 100)
    assert round(low, 4) == 0.8882 and round(high, 4) == 0.9785
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert rate(0, 0)["ci_low"] == 0.0 and rate(0, 0)["ci_high"] == 1.0
    with pytest.raises(ValueError):
        wilson_interval(5, 3)
