"""Every help page reads like a manual: a bilingual summary, capital metavars, no Python types."""

from __future__ import annotations

import re

import pytest
import typer

from tests.cli.sweep import leaves
from tests.cli.test_error_lines import tongzhou_cli
from tongzhou.cli.main import app

CJK = re.compile(r"[\u4e00-\u9fff]")


def _summary(command: typer.core.TyperCommand | typer.core.TyperGroup) -> str:
    return (command.help or "").strip().split("\n\n")[0]


def test_every_command_and_group_has_a_bilingual_summary() -> None:
    root = typer.main.get_command(app)
    missing = []

    def walk(command: typer.core.TyperCommand | typer.core.TyperGroup, words: tuple[str, ...]) -> None:
        if words and not CJK.search(_summary(command)):
            missing.append(" ".join(words))
        if isinstance(command, typer.core.TyperGroup):
            for name in command.list_commands(None):  # type: ignore[arg-type]
                walk(command.get_command(None, name), (*words, name))  # type: ignore[arg-type]

    walk(root, ())
    assert not missing, f"no Chinese in the summary of: {missing}"


def test_help_pages_show_no_python_types(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    problems = []
    for leaf in leaves():
        code, out = tongzhou_cli(capfd, *leaf.words, "--help")
        assert code == 0, out
        for bad in ("<bool>", "<str>", "<int>", "<float>", "list["):
            if bad in out:
                problems.append(f"tongzhou {leaf.name} --help shows {bad!r}")
        usage = next(line for line in out.splitlines() if "Usage:" in line)
        if "{" in usage or re.search(r" [a-z_]+(\.\.\.)?\s*$", usage):
            problems.append(f"tongzhou {leaf.name}: usage {usage.strip()!r} (arguments in capitals)")
    assert not problems, problems


def test_every_argument_and_option_is_described() -> None:
    bare = [
        f"tongzhou {leaf.name} {getattr(p, 'opts', [p.name])[0]}"
        for leaf in leaves()
        for p in leaf.params
        if not getattr(p, "help", None) and p.name not in ("install_completion", "show_completion")
    ]
    assert not bare, f"no help text: {bare}"
