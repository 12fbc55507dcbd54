"""Every command, driven with bad paths, directories, huge numbers, dead servers and wrong keys, fails
(or succeeds) with one line and a documented exit status: never a traceback, never an internal error.

The commands come from the typer app itself (tests/cli/sweep.py), so a new command is covered the
day it is added.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tongzhou
from tests.cli.sweep import SERVERS, Invocation, invocations, leaves, materials
from tongzhou.cli.main import run
from tongzhou.errors import ExitCode

SRC = str(Path(tongzhou.__file__).resolve().parents[1])
PYTHON_INTERNALS = re.compile(r"NoneType|\(None\b|\bNone\)|\['[^\]\n]*'\]|<class '")
"""What a user should never read: None for a missing value, a Python list or class repr."""
DOCUMENTED = {
    ExitCode.OK,
    ExitCode.CHECK_FAILED,
    ExitCode.BAD_INPUT,
    ExitCode.PARTIAL,
    ExitCode.UNREACHABLE,
}


def _check(inv: Invocation, code: int, output: str) -> str | None:
    """What is wrong with this run's outcome, or None."""
    if "Traceback" in output:
        return f"traceback:\n{output[-2500:]}"
    if code not in DOCUMENTED:
        return f"exit {code} (not a documented status):\n{output[-1500:]}"
    if code in (ExitCode.BAD_INPUT, ExitCode.UNREACHABLE) and not output.strip():
        return f"exit {code} without saying why"
    internals = PYTHON_INTERNALS.search(output)
    if internals:
        return f"Python internals in the output ({internals.group(0)!r}):\n{output[-1500:]}"
    return None


def test_every_command_is_swept() -> None:
    names = {leaf.name for leaf in leaves()}
    assert {"systems list", "eval run", "attest verify", "threats pull", "gateway halt issue"} <= names
    assert len(names) >= 40


def test_no_command_shows_a_traceback_in_process(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TONGZHOU_DEBUG", raising=False)
    m = materials(tmp_path)
    problems: list[str] = []
    swept: set[str] = set()
    runs = [inv for inv in invocations(m) if inv.leaf.name not in SERVERS]
    for inv in runs:
        code = run(inv.argv)
        m.reset()
        captured = capfd.readouterr()
        swept.add(inv.leaf.name)
        problem = _check(inv, code, captured.out + captured.err)
        if problem:
            problems.append(f"tongzhou {' '.join(inv.argv)}  [{inv.why}]\n  {problem}")
    assert swept == {leaf.name for leaf in leaves()} - SERVERS
    assert not problems, f"{len(problems)} of {len(runs)} runs:\n\n" + "\n\n".join(problems[:25])


def test_servers_refuse_bad_arguments_without_a_traceback(tmp_path: Path) -> None:
    m = materials(tmp_path)
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    problems = []
    runs = [inv for inv in invocations(m) if inv.leaf.name in SERVERS and _cannot_start(inv)]
    assert runs
    for inv in runs:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "tongzhou.cli.entry", *inv.argv],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                cwd=tmp_path,
            )
        except subprocess.TimeoutExpired:
            problems.append(f"tongzhou {' '.join(inv.argv)} [{inv.why}]: still running after 60 s")
            continue
        finally:
            m.reset()
        problem = _check(inv, proc.returncode, proc.stdout + proc.stderr)
        if problem:
            problems.append(f"tongzhou {' '.join(inv.argv)}  [{inv.why}]\n  {problem}")
    assert not problems, "\n\n".join(problems)


def _cannot_start(inv: Invocation) -> bool:
    """Runs of a server whose argument is bad enough that it must refuse to start (not listen)."""
    return any(
        word in inv.why for word in ("huge number", "negative number", "directory", "garbage", "missing")
    )
