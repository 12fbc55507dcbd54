"""The README tour runs as written, in order, on SQLite in a fresh TONGZHOU_HOME (docs tested with code).

Every line of the tour's ```bash blocks runs in one bash session (so `cd`, `export` and background
servers carry over), and each must exit 0 — or the status its comment announces (``# exit 1: …``).
The only change made to the text: the three loopback ports (8000, 9500, 8088) are swapped for free
ones, so that the test does not collide with servers already running on the machine.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import tongzhou

ROOT = Path(__file__).resolve().parents[1]
SRC = str(Path(tongzhou.__file__).resolve().parents[1])
PORTS = ("8000", "9500", "8088")
EXPECTED = re.compile(r"#\s*exit (\d+):")


def tour_lines(readme: str) -> list[tuple[int, str]]:
    """(line number, command) of every command in the ```bash blocks of the `## Tour` section."""
    start = readme.index("\n## Tour")
    end = readme.index("\n## ", start + 1)
    lines: list[tuple[int, str]] = []
    in_block = False
    first = readme[:start].count("\n") + 1
    for number, line in enumerate(readme[start:end].splitlines(), start=first):
        if line.startswith("```"):
            in_block = line.strip() == "```bash"
            continue
        if in_block and line.strip() and not line.lstrip().startswith("#"):
            lines.append((number, line))
    return lines


def expected_status(line: str) -> int:
    """0, or the status announced by a trailing ``# exit N: why`` comment."""
    match = EXPECTED.search(line)
    return int(match.group(1)) if match else 0


def _free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def tour_script(lines: list[tuple[int, str]], ports: dict[str, str]) -> str:
    """One bash script that runs each line and stops at the first unexpected exit status."""
    out = ["set -u", "trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT"]
    for number, line in lines:
        for old, new in ports.items():
            line = re.sub(rf"(?<=127\.0\.0\.1:){old}\b|(?<=--port ){old}\b", new, line)
        want = expected_status(line)
        out.append(f"echo {shlex.quote(f'>>> README line {number}: {line}')}")
        out.append(line)
        out.append(
            f"rc=$?; if [ $rc -ne {want} ]; then echo {shlex.quote(f'README line {number}')} "
            f'"exited $rc, expected {want}" >&2; exit 100; fi'
        )
    return "\n".join(out) + "\n"


def test_the_tour_lines_are_found_and_announce_their_failures() -> None:
    lines = tour_lines((ROOT / "README.md").read_text("utf-8"))
    commands = [line for _, line in lines]
    assert commands[0].startswith("tongzhou init")
    assert any(c.startswith("tongzhou attest verify") for c in commands)
    assert sum(expected_status(c) != 0 for c in commands) == 2  # the two corpus library verdicts


@pytest.mark.slow
def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    lines = tour_lines((ROOT / "README.md").read_text("utf-8"))
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "tongzhou").write_text(f'#!/bin/sh\nexec {sys.executable} -m tongzhou.cli.entry "$@"\n')
    (shim / "tongzhou").chmod(0o755)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(shim), str(Path(sys.executable).parent), os.environ["PATH"]]),
        "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "TONGZHOU_HOME": str(tmp_path / "home"),
        "COLUMNS": "120",
    }
    for name in ("TONGZHOU_DATABASE_URL", "TONGZHOU_KEY_PASSPHRASE", "TONGZHOU_DEBUG"):
        env.pop(name, None)
    work = tmp_path / "clone"
    work.mkdir()
    script = tour_script(lines, {port: _free_port() for port in PORTS})
    proc = subprocess.run(
        ["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, f"{proc.stderr[-3000:]}\n--- stdout ---\n{proc.stdout[-6000:]}"
    assert "Traceback" not in proc.stdout + proc.stderr
    tour = work / "tour"
    assert (tour / "run.dsse.json").is_file() and (tour / "run.html").is_file()
    assert "VERIFIED" in proc.stdout
    assert (tour / "labelled" / "picture.png").is_file()
    assert "service_halted" in proc.stdout and "red-team finding RT-7" in proc.stdout  # refused, with why
    assert "audit log intact" in proc.stdout
