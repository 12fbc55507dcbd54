"""The tracebacks a new user met (issue 17), each now one line naming the path or value, with its status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tongzhou
from tongzhou.cli.main import run
from tongzhou.errors import ExitCode

SRC = str(Path(tongzhou.__file__).resolve().parents[1])


def tongzhou_cli(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``tongzhou ARGS`` in this process; (exit status, stdout + stderr)."""
    code = run(list(args))
    captured = capfd.readouterr()
    return code, captured.out + captured.err


def one_error_line(output: str) -> str:
    """The single ``error:`` line of ``output`` (and no traceback)."""
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    return lines[0]


def test_a_directory_given_for_a_file_names_it(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    code, out = tongzhou_cli(capfd, "attest", "verify", str(folder))
    assert code == ExitCode.BAD_INPUT
    assert f"{folder} is a directory" in one_error_line(out)

    assert tongzhou_cli(capfd, "systems", "add", "--examples")[0] == 0
    code, out = tongzhou_cli(capfd, "systems", "export", "cv-screening", "--out", str(folder))
    assert code == ExitCode.BAD_INPUT and f"{folder} is a directory" in one_error_line(out)

    assert tongzhou_cli(capfd, "keys", "generate", "lab")[0] == 0
    code, out = tongzhou_cli(capfd, "keys", "export", "lab", "--out", str(folder))
    assert code == ExitCode.BAD_INPUT and f"{folder} is a directory" in one_error_line(out)
    assert list(folder.iterdir()) == []  # nothing written beside it either


def test_numbers_and_dates_out_of_range_are_refused_clearly(capfd: pytest.CaptureFixture[str]) -> None:
    code, out = tongzhou_cli(
        capfd, "incident", "new", "--title", "t", "--harm", "rights", "--aware", "9999-12-31T23:00:00Z"
    )
    assert code == ExitCode.BAD_INPUT
    assert "aware: 9999-12-31T23:00:00Z is in the future" in one_error_line(out)

    assert tongzhou_cli(capfd, "keys", "generate", "regulator")[0] == 0
    code, out = tongzhou_cli(
        capfd,
        "gateway", "halt", "issue", "PAUSE",
        "--key", "regulator", "--issuer", "me", "--reason", "test",
        "--expires-in", "99999999999999999999h",
    )  # fmt: skip
    assert code == ExitCode.BAD_INPUT
    assert "duration '99999999999999999999h' is out of range" in one_error_line(out)


def test_an_unknown_principal_or_an_empty_folder_is_an_error_not_a_silent_success(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert tongzhou_cli(capfd, "threats", "import-atlas")[0] == 0
    code, out = tongzhou_cli(capfd, "threats", "grant", "nobody", "mitre-atlas")
    assert code == ExitCode.BAD_INPUT
    assert "no principal 'nobody'" in one_error_line(out) and "add-key nobody" in out

    empty = tmp_path / "empty"
    empty.mkdir()
    code, out = tongzhou_cli(capfd, "label", "add", str(empty), "--producer", "001191110000TZDEMO000110000")
    assert code == ExitCode.BAD_INPUT and "no files to label" in one_error_line(out)


def test_debug_shows_the_traceback(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, out = tongzhou_cli(capfd, "--debug", "attest", "verify", str(tmp_path))
    assert code == ExitCode.BAD_INPUT and "Traceback" in out and "error:" in out
    code, out = tongzhou_cli(capfd, "attest", "verify", str(tmp_path), "--debug")  # after the command too
    assert code == ExitCode.BAD_INPUT and "Traceback" in out and "error:" in out


def test_an_unexpected_exception_is_one_line_that_says_it_is_a_bug(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tongzhou.systems.registry import SystemRegistry

    def broken(_self: object) -> None:
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(SystemRegistry, "list", broken)
    code, out = tongzhou_cli(capfd, "systems", "list")
    assert code == ExitCode.INTERNAL
    line = one_error_line(out)
    assert "ZeroDivisionError: planted" in line and "This is a bug" in line and "--debug" in line


_CTRL_C_DURING = """
import builtins, os, signal, sys
real_import = builtins.__import__
target = sys.argv[1]
def trap(name, *args, **kwargs):
    if name == target:
        os.kill(os.getpid(), signal.SIGINT)
    return real_import(name, *args, **kwargs)
builtins.__import__ = trap
sys.argv = ["tongzhou", *sys.argv[2:]]
from tongzhou.cli import entry
entry.main()
"""


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("typer", ["--help"]),  # while the CLI itself is being imported
        ("sqlalchemy", ["systems", "list"]),  # while a command runs
    ],
)
def test_ctrl_c_at_any_moment_exits_130_in_one_line(module: str, args: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-c", _CTRL_C_DURING, module, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "interrupted / 已中断"
