"""`tongzhou` entry point: registers each command group and turns user errors into exit status 2."""

from __future__ import annotations

import contextlib
import faulthandler
import importlib
import sys

import typer
from rich.console import Console
from rich.markup import escape

from tongzhou import __version__
from tongzhou.errors import BackendCrashError, InputError

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
    """Run the CLI; :class:`InputError` exits 2 with its message (zh/en where the message has both);
    :class:`BackendCrashError` (a native library died in its child process) exits 3."""
    # Native libraries that stay in this process (Hyperscan, c2pa, NVML) cannot be recovered from when
    # they crash, but the crash must not be silent: print which Python call was in that library.
    if sys.__stderr__ is not None:  # None when embedded without a console
        with contextlib.suppress(ValueError, OSError):
            faulthandler.enable(file=sys.__stderr__)
    try:
        app(args=argv, standalone_mode=True)
    except InputError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except BackendCrashError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(3)


if __name__ == "__main__":
    main()
