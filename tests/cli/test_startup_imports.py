"""`tongzhou --help` starts without the heavy libraries: an import budget, not a timing test.

Importing every command up front pulled SQLAlchemy and the evaluation stack into every start
(about 1.4 s of CPU). The start-up time itself is measured by benchmarks/cli_startup.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tongzhou

SRC = str(Path(tongzhou.__file__).resolve().parents[1])

HEAVY = (
    "sqlalchemy",
    "alembic",
    "tongzhou.evaluate",
    "tongzhou.store",
    "cryptography",
    "numpy",
    "pydantic",
    "babel",  # the message catalog is read when a message is first shown, not at start-up
)
"""Modules `tongzhou --help` must not load."""

_PROBE = """
import json, sys
sys.argv = ["tongzhou", *json.loads(sys.argv[1])]
try:
    from tongzhou.cli.entry import main
    main()
except SystemExit:
    pass
print("\\n" + json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def modules_loaded_by(*args: str) -> set[str]:
    """The modules in ``sys.modules`` after running ``tongzhou ARGS`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), "COLUMNS": "100"}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    last = proc.stderr.strip().splitlines()[-1]
    return set(json.loads(last))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("args", [("--help",), ("--version",), ()])
def test_root_help_loads_no_heavy_library(args: tuple[str, ...]) -> None:
    loaded = modules_loaded_by(*args)
    assert "typer" in loaded  # the probe really ran the CLI
    assert not _heavy(loaded), f"tongzhou {' '.join(args)} imported {_heavy(loaded)[:10]}"
    assert not any(m.startswith("tongzhou.cli.") and m not in _ROOT_MODULES for m in loaded), sorted(
        m for m in loaded if m.startswith("tongzhou.cli.")
    )


_ROOT_MODULES = {
    "tongzhou.cli.entry",
    "tongzhou.cli.main",
    "tongzhou.cli.failures",
    "tongzhou.cli.lazy_group",
    "tongzhou.cli.help_style",
}


@pytest.mark.parametrize(
    "group", ["systems", "eval", "attest", "threats", "gateway", "corpus", "energy", "label"]
)
def test_group_help_loads_neither_the_store_nor_the_evaluation_stack(group: str) -> None:
    loaded = modules_loaded_by(group, "--help")
    assert f"tongzhou.cli.{group}" in loaded
    wrong = [m for m in _heavy(loaded) if m.split(".")[0] in ("sqlalchemy", "alembic") or "evaluate" in m]
    assert not wrong, f"tongzhou {group} --help imported {wrong[:10]}"
