"""`tongzhou init [DIR]`: the example files the README tour uses, with comments."""

from __future__ import annotations

from pathlib import Path

import typer


def app(
    directory: Path = typer.Argument(
        Path("."), metavar="DIR", help="Where to write them (created if missing; default: here)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite files that exist. 覆盖已有文件。"),
) -> None:
    """Write the example files the README tour uses: a system profile, a test bank, a gateway policy,
    a small corpus and content to label (FILES.md says what each is). 生成导览所用的示例文件。"""
    from tongzhou.starter import write_starter

    written = write_starter(directory, force=force)
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(f"{len(written)} files in {directory} — see {directory / 'FILES.md'} / 已生成示例文件")
