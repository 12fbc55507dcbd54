"""`tongzhou` entry point: registers each command group and turns user errors into exit status 2."""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from tongzhou import __version__
from tongzhou.errors import InputError

# (command name, module exposing `app: typer.Typer`). One line per command group.
COMMAND_GROUPS: list[tuple[str, str]] = [
    ("systems", "tongzhou.cli.systems"),
    ("classify", "tongzhou.cli.classify"),
    ("eval", "tongzhou.cli.eval"),
    ("keys", "tongzhou.cli.keys"),
    ("attest", "tongzhou.cli.attest"),
    ("label", "tongzhou.cli.label"),
    ("threats", "tongzhou.cli.threats"),
    ("incident", "tongzhou.cli.incident"),
    ("gateway", "tongzhou.cli.gateway"),
    ("corpus", "tongzhou.cli.corpus"),
    ("energy", "tongzhou.cli.energy"),
    ("demo", "tongzhou.cli.demo"),
]

app = typer.Typer(
    name="tongzhou",
    help=(
        "Tongzhou (同舟): classify, evaluate, attest, label, share threats, halt, "
        "audit data, measure energy."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tongzhou {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Tongzhou (同舟) — AI governance as software."""


def _register() -> None:
    for name, module_name in COMMAND_GROUPS:
        module = importlib.import_module(module_name)
        group = module.app
        if isinstance(group, typer.Typer):
            app.add_typer(group, name=name)
        else:  # a single command
            app.command(name=name)(group)


_register()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; :class:`InputError` exits 2 with its message (zh/en where the message has both)."""
    try:
        app(args=argv, standalone_mode=True)
    except InputError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
