"""A missing exiftool, ffmpeg or Chromium fails the independent checks (CI must not pass quietly),
unless the run says it is deliberately partial."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.system_tools import ALLOW_MISSING_ENV, need_chromium, need_tool


def test_a_missing_tool_fails_with_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(ALLOW_MISSING_ENV, raising=False)
    for tool in ("exiftool", "ffmpeg"):
        fix = rf"{tool} is not installed.*make setup.*{ALLOW_MISSING_ENV}=1"
        with pytest.raises(pytest.fail.Exception, match=fix):
            need_tool(tool)


def test_missing_chromium_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGZHOU_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.delenv(ALLOW_MISSING_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception, match="Chromium .* is not installed"):
        need_chromium()


def test_a_deliberately_partial_run_skips_instead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("TONGZHOU_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv(ALLOW_MISSING_ENV, "1")
    with pytest.raises(pytest.skip.Exception, match="exiftool is not installed"):
        need_tool("exiftool")
    with pytest.raises(pytest.skip.Exception, match="Chromium"):
        need_chromium()
