"""The `tongzhou` CLI: the root command, and one ``error:`` line per failure.

Every expected failure ends as one ``error:`` line and a documented exit status (docs/cli.md);
``--debug`` or ``TONGZHOU_DEBUG=1`` adds the traceback. The console script starts in
:mod:`tongzhou.cli.entry`, which handles Ctrl-C before this module's imports run.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import signal
import sys
import threading
import traceback
from types import FrameType

import typer

from tongzhou import __version__
from tongzhou.cli.failures import INTERRUPTED_LINE, describe, split_debug
from tongzhou.cli.lazy_group import COMMANDS, LazyCommandGroup
from tongzhou.errors import ExitCode, Terminated

try:  # typer ≥ 0.25 carries its own copy of click
    from typer import Abort as _Abort
    from typer import TyperException as _UsageProblem
except ImportError:  # pragma: no cover — older typer on click
    from click.exceptions import Abort as _Abort  # type: ignore[assignment]
    from click.exceptions import ClickException as _UsageProblem  # type: ignore[assignment]

app = typer.Typer(
    name="tongzhou",
    cls=LazyCommandGroup,
    help=(
        "Tongzhou (同舟): classify, evaluate, attest, label, share threats, halt, "
        "audit data, measure energy. 分类分级、测评、互认、标识、威胁共享、紧急关停、语料审核、能效。"
    ),
    epilog="Exit status 退出码: 0 ok, 1 check failed, 2 bad input, 3 partial, 4 server unreachable, "
    "130 interrupted (docs/cli.md).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

COMMAND_GROUPS: list[tuple[str, str]] = [(entry.name, entry.module) for entry in COMMANDS]
"""(command name, module exposing ``app``), in the order ``tongzhou --help`` lists them."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tongzhou {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version. 显示版本。"
    ),
    debug: bool = typer.Option(
        False,
        "--debug",
        help="Print the traceback of a failure; may also follow the command (or TONGZHOU_DEBUG=1). "
        "出错时显示调用栈。",
    ),
) -> None:
    """Tongzhou (同舟) — AI governance as software."""


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise Terminated()


def _exit_code_of_click(exc: Exception) -> int:
    """Print a usage error (unknown option, bad value) the way typer does, or an abort; return its status."""
    if isinstance(exc, _UsageProblem):
        try:
            from typer import rich_utils

            rich_utils.rich_format_error(exc)  # type: ignore[arg-type]
        except ImportError:  # rich not installed
            sys.stderr.write(f"error: {exc.format_message()}\n")
        return int(exc.exit_code)
    # Abort: a prompt got end-of-file (no input) or Ctrl-C.
    if isinstance(exc.__context__, KeyboardInterrupt):
        sys.stderr.write(f"\n{INTERRUPTED_LINE}\n")
        return ExitCode.INTERRUPTED
    sys.stderr.write("error: a prompt got no answer (standard input is closed) / 未输入应答\n")
    return ExitCode.BAD_INPUT


def run(argv: list[str]) -> int:
    """Run ``tongzhou ARGV``; return the exit status (failures printed as one line on stderr)."""
    argv, debug = split_debug(argv)
    # From now on Ctrl-C raises KeyboardInterrupt (so `finally` blocks run) and SIGTERM raises
    # Terminated; both end here as one line. The previous handlers come back afterwards (tests).
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    if in_main_thread:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _terminate)
    try:
        command = typer.main.get_command(app)
        result = command.main(args=argv, prog_name="tongzhou", standalone_mode=False)
    except (_UsageProblem, _Abort) as exc:
        return _exit_code_of_click(exc)
    except Terminated:
        sys.stderr.write("terminated / 已终止\n")
        return ExitCode.TERMINATED
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 — the one place every failure becomes a line
        failure = describe(exc)
        if debug:
            traceback.print_exc()
        interrupted = failure.exit_code == ExitCode.INTERRUPTED
        sys.stderr.write(f"\n{failure.message}\n" if interrupted else f"error: {failure.message}\n")
        return failure.exit_code
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous[0])
            signal.signal(signal.SIGTERM, previous[1])
    if isinstance(result, int) and result == ExitCode.INTERRUPTED:  # typer turned Ctrl-C into Exit(130)
        sys.stderr.write(f"\n{INTERRUPTED_LINE}\n")
    return result if isinstance(result, int) else ExitCode.OK


def main(argv: list[str] | None = None) -> None:
    """The console script: run the CLI and exit with its status."""
    # Native libraries that stay in this process (Hyperscan, c2pa, NVML) cannot be recovered from when
    # they crash, but the crash must not be silent: print which Python call was in that library.
    if sys.__stderr__ is not None:  # None when embedded without a console
        with contextlib.suppress(ValueError, OSError):
            faulthandler.enable(file=sys.__stderr__)
    code = run(list(sys.argv[1:] if argv is None else argv))
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # `tongzhou … | head`: the reader has gone, which is not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 — keeps the interpreter's final flush quiet
    sys.exit(code)


if __name__ == "__main__":
    main()
