"""The layer contract in pyproject.toml ([tool.importlinter]) holds, and an upward import breaks it.

import-linter runs on a copy of the package's Python files, so the deliberate wrong arrow never
touches the real tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str:
    script = Path(sys.executable).with_name("lint-imports")
    found = str(script) if script.exists() else shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports is not installed: pip install -e '.[dev]' (import-linter is in dev)")
    return found


def _copy_package(tmp_path: Path) -> Path:
    """Copy src/tongzhou's Python files (no data) and pyproject.toml under ``tmp_path``."""

    def not_python(folder: str, names: list[str]) -> set[str]:
        data = {n for n in names if not n.endswith(".py") and not Path(folder, n).is_dir()}
        return data | {n for n in names if n == "__pycache__"}

    shutil.copytree(ROOT / "src" / "tongzhou", tmp_path / "src" / "tongzhou", ignore=not_python)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _run(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    return subprocess.run(
        [_lint_imports(), "--no-cache", "--config", str(project / "pyproject.toml")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_real_tree_keeps_the_layers(tmp_path: Path) -> None:
    result = _run(_copy_package(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(tmp_path: Path) -> None:
    project = _copy_package(tmp_path)
    (project / "src" / "tongzhou" / "store" / "upward.py").write_text(
        '"""A deliberate wrong arrow: the store importing the CLI."""\n\nimport tongzhou.cli.main\n',
        encoding="utf-8",
    )
    result = _run(project)
    assert result.returncode != 0, result.stdout
    assert "tongzhou.store is not allowed to import tongzhou.cli" in result.stdout
    assert "tongzhou.store.upward -> tongzhou.cli.main" in result.stdout


def test_a_new_top_level_package_must_take_a_place_in_the_map(tmp_path: Path) -> None:
    project = _copy_package(tmp_path)
    (project / "src" / "tongzhou" / "unplaced").mkdir()
    (project / "src" / "tongzhou" / "unplaced" / "__init__.py").write_text('"""Unplaced."""\n', "utf-8")
    result = _run(project)
    assert result.returncode != 0, result.stdout
    assert "tongzhou.unplaced" in result.stdout
