"""The console script `tongzhou`: Ctrl-C gives one line from the first instant, then the CLI runs.

The CLI's imports (typer, rich) take most of its start-up time; a Ctrl-C during them used to print
the traceback of whichever import was running. Here, before any of them, SIGINT leaves at once with
status 130 and one line: nothing has been done yet, so there is nothing to clean up.
:func:`tongzhou.cli.main.run` then takes over with its own handling.
"""

from __future__ import annotations

import os
import signal
from types import FrameType

_INTERRUPTED = "\ninterrupted / 已中断\n".encode()


def _interrupted_while_starting(_signum: int, _frame: FrameType | None) -> None:
    os.write(2, _INTERRUPTED)
    os._exit(130)


def main() -> None:
    """Install the start-up SIGINT handler, then import and run the CLI."""
    signal.signal(signal.SIGINT, _interrupted_while_starting)
    from tongzhou.cli.main import main as run_cli

    run_cli()


if __name__ == "__main__":
    main()
